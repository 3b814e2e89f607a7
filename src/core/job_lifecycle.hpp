// The job lifecycle: what every action does to a job's row and to its event log.
// This is the one place where a move is decided and carried out; the SQL that
// writes rows (cadence._transit) only copies what it returns, a batch at a time.
//
// It builds on the state machine (job_state.hpp: which moves are legal), the retry
// policy (when a failed attempt is tried again) and the job's timer (job_timer.hpp:
// when it next needs the scheduler).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/instant.hpp"
#include "core/job_state.hpp"
#include "core/job_timer.hpp"
#include "core/trigger.hpp"

namespace cadence::core {

// Everything a lifecycle action may do to a job, including the scheduler's tick
// and the moves that are not status changes.
enum class LifecycleAction {
    create,         // a new job's first run is scheduled
    claim, heartbeat, complete, fail, lease_expired, cancel, run_now, fire, retry,
    tick,           // the scheduler: whatever is due now (a fire, a retry, a lease expiry)
    pause, resume,
    alter,          // settings other than the trigger changed
    retrigger,      // the trigger changed: a first run still waiting follows it
    remove,         // the job is deleted
};
std::string_view to_string(LifecycleAction action) noexcept;
std::optional<LifecycleAction> parse_lifecycle_action(std::string_view text) noexcept;

// A job's row of cadence.jobs_status with the settings of cadence.jobs it needs.
struct JobRow {
    std::int64_t job_id = 0;
    JobStatus status = JobStatus::scheduled;   // ignored by create
    int attempt = 1;
    int max_attempts = 1;
    bool paused = false;
    bool external = true;
    std::string worker;                        // running: who holds the run
    std::optional<Instant> run_at;             // scheduled: due; error: the retry
    std::optional<Instant> fire_time;          // the tick the current run belongs to
    std::optional<Instant> fire_base;          // the next tick is the first after this
    std::optional<Micros> lease;
    std::optional<Instant> lease_expires_at;
    std::optional<Instant> heartbeat_at;
    std::optional<float> progress;
    std::optional<JobTimer> timer;             // the stored timer
    const Trigger* trigger = nullptr;
    Instant created_at{};
    Micros backoff{};
};

// What the caller brings to an action.
struct ActionInput {
    LifecycleAction action;
    std::string_view worker;          // claim, heartbeat, complete, fail
    Instant now{};                    // the transaction's time: due times, ticks
    Instant clock{};                  // the moment of the change: events, leases
    std::optional<Micros> lease;      // claim (external workers)
    std::optional<float> progress;    // heartbeat
    double unit_random = 0.5;         // retry jitter, in [0, 1)
};

// One event to append to the log.
struct LifecycleEvent {
    std::string_view event;           // a status, or paused, resumed, altered, deleted
    std::string_view status;          // the job's status after it
    int attempt = 1;
    std::optional<Instant> fire_time; // the tick the run belongs to
    std::string_view reason;          // status events: why (details.reason)
    std::optional<Instant> run_at;    // status events: due or retry time (details.run_at)
    std::string worker;               // running: the new holder; an event ending a run: its holder
    std::string error;                // lease expiry: what happened (details.error)
    bool with_caller_details = true;  // the caller's details (result, error, changes) go in
};

struct LifecycleResult {
    std::vector<LifecycleEvent> events;
    JobRow after;                     // the row once every event is applied
    std::optional<JobTimer> timer;    // the timer the row stores now
    bool removed = false;             // the job is gone (deleted)
    std::string notice;               // nothing to do, and why (pause of a paused job)
};

// Applies `input` to `job`. Throws Error(wrong_state) saying what and why when
// the action is not allowed in the job's state. A tick with nothing due, and a
// heartbeat, append no event; nor do a pause of a paused job and a resume of one
// that is not paused, which say so in `notice` (deployment scripts run again).
LifecycleResult apply_action(const JobRow& job, const ActionInput& input);

}  // namespace cadence::core

namespace cadence::core {
// An event's details as JSON: {"reason", "run_at", "worker", "error"} as far as they
// apply; "" for an event that has none (paused, resumed, altered, deleted).
std::string event_details_json(const LifecycleEvent& event);
}  // namespace cadence::core
