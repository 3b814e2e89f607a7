#include "client/event_filter.hpp"

namespace cadence::client {

bool EventFilter::admit(const core::StatusEvent& event) {
    auto& seen = jobs_[event.job_id];
    if (event.event_id <= seen.last_event_id) return false;
    seen.last_event_id = event.event_id;
    if (event.queue) seen.queue = event.queue;
    return true;
}

void EventFilter::seed(std::int64_t job_id, std::int64_t event_id) {
    auto& seen = jobs_[job_id];
    if (event_id > seen.last_event_id) seen.last_event_id = event_id;
}

std::optional<std::int64_t> EventFilter::last_event(std::int64_t job_id) const {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return std::nullopt;
    return it->second.last_event_id;
}

std::optional<std::string> EventFilter::known_queue(std::int64_t job_id) const {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return std::nullopt;
    return it->second.queue;
}

}  // namespace cadence::client
