// Which events `cadence watch` prints: each event id at most once, and per job
// never an event older than one already printed. One job's events commit in
// event-id order (each change locks the job's row), so "newer than the last
// printed for that job" is both the de-duplication and the ordering rule; other
// jobs' events may interleave in any order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/status_wire.hpp"

namespace cadence::client {

class EventFilter {
public:
    // Records the event and says whether it is new (to be printed).
    bool admit(const core::StatusEvent& event);

    // Marks a job's events up to event_id as already handled without printing them.
    void seed(std::int64_t job_id, std::int64_t event_id);

    // The newest event id printed or seeded for the job.
    std::optional<std::int64_t> last_event(std::int64_t job_id) const;

    // The queue the job's printed events were in (for replayed rows of deleted jobs).
    std::optional<std::string> known_queue(std::int64_t job_id) const;

private:
    struct JobSeen {
        std::int64_t last_event_id = 0;
        std::optional<std::string> queue;
    };
    std::unordered_map<std::int64_t, JobSeen> jobs_;
};

}  // namespace cadence::client
