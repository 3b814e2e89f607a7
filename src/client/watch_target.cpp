#include "client/watch_target.hpp"

namespace cadence::client {

bool WatchTarget::matches(const core::StatusEvent& event) const {
    switch (kind) {
    case Kind::job: return event.job_id == job_id;
    case Kind::queue: return event.queue && *event.queue == queue;
    case Kind::all: return true;
    }
    return false;
}

}  // namespace cadence::client
