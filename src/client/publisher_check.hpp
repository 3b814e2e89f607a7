// Which notifications on pg_cadence's channels are real. Any role may NOTIFY any
// channel, so a listener trusts only the backend that publishes: PostgreSQL tells
// it each notification's sender (its process id), and cadence.publisher_pid() says
// which process publishes in this database now. A sender it has not seen is
// looked up once (the publisher may have restarted); a sender that was not the
// publisher then is remembered, so that a flood of forgeries costs one look each
// forger, not one each forgery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace cadence::client {

class PublisherCheck {
public:
    enum class Verdict {
        accept,  // from the publisher
        drop,    // from a process known not to be the publisher: counted
        ask,     // unknown: read cadence.publisher_pid(), give it to learned(), check again
    };

    explicit PublisherCheck(std::size_t remembered_forgers = 64) : capacity_(remembered_forgers) {}

    Verdict check(int sender_pid);

    // The publisher's pid as just read (nullopt: no publisher runs now). A sender
    // that asked and is not it is a forger from then on.
    void learned(std::optional<int> publisher_pid, int asking_sender);

    std::optional<int> publisher() const { return publisher_; }
    std::uint64_t dropped() const { return dropped_; }

private:
    bool known_forger(int pid) const;

    std::size_t capacity_;
    std::optional<int> publisher_;
    std::deque<int> forgers_;  // the most recent ones, oldest first
    std::uint64_t dropped_ = 0;
};

}  // namespace cadence::client
