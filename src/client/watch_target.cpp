#include "client/watch_target.hpp"

#include "client/sse_message.hpp"

namespace cadence::client {

bool WatchTarget::matches(const WatchEvent& event) const {
    switch (kind) {
    case Kind::job: return event.job_id == job_id;
    case Kind::queue: return event.queue && *event.queue == queue;
    case Kind::all: return true;
    }
    return false;
}

bool is_final_status(std::string_view status) { return serve::ends_job_stream(status); }

}  // namespace cadence::client
