#include "client/watch_target.hpp"

namespace cadence::client {

bool WatchTarget::matches(std::int64_t job, const std::optional<std::string>& job_queue) const {
    switch (kind) {
    case Kind::job: return job == job_id;
    case Kind::queue: return job_queue && *job_queue == queue;
    case Kind::all: return true;
    }
    return false;
}

}  // namespace cadence::client
