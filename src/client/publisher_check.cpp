#include "client/publisher_check.hpp"

#include <algorithm>

namespace cadence::client {

PublisherCheck::Verdict PublisherCheck::check(int sender_pid) {
    if (publisher_ && *publisher_ == sender_pid) return Verdict::accept;
    if (known_forger(sender_pid)) {
        dropped_++;
        return Verdict::drop;
    }
    return Verdict::ask;
}

void PublisherCheck::learned(std::optional<int> publisher_pid, int asking_sender) {
    publisher_ = publisher_pid;
    // A forger's pid that now publishes (reused by a new scheduler) is trusted again.
    if (publisher_) forgers_.erase(std::remove(forgers_.begin(), forgers_.end(), *publisher_), forgers_.end());
    if (publisher_ && *publisher_ == asking_sender) return;
    if (!known_forger(asking_sender)) {
        if (capacity_ == 0) return;
        if (forgers_.size() == capacity_) forgers_.pop_front();
        forgers_.push_back(asking_sender);
    }
}

bool PublisherCheck::known_forger(int pid) const {
    return std::find(forgers_.begin(), forgers_.end(), pid) != forgers_.end();
}

}  // namespace cadence::client
