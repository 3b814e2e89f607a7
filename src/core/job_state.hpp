// The job state machine: the one place where the legality of a transition is
// decided. The SQL functions, the scheduler and the executors all ask it.
//
//   scheduled -> running -> completed | error | fatal | canceled
//   scheduled -> canceled;  error -> scheduled (retry);  terminal -> scheduled (fire, run now)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadence::core {

enum class JobStatus { scheduled, running, completed, error, fatal, canceled };

// Every name an event of the log (its `event`, and the `status` it leaves) can
// have: the statuses first, in JobStatus order, then the events that are not a
// status of their own (a deleted job's status reads "deleted"). The one list: the
// status names, the publisher's ring and the payload all use it.
inline constexpr std::array<std::string_view, 10> event_names = {
    "scheduled", "running", "completed", "error", "fatal", "canceled", "paused", "resumed", "altered", "deleted"};
// The index of an event name in event_names, or nullopt.
std::optional<std::size_t> event_index(std::string_view name) noexcept;

// The status a deleted job's last event leaves.
inline constexpr std::string_view deleted_status = event_names[9];

std::string_view to_string(JobStatus status) noexcept;
std::optional<JobStatus> parse_status(std::string_view text) noexcept;

// completed, error, fatal and canceled: no run is pending or in progress.
bool is_terminal(JobStatus status) noexcept;

// completed, fatal, canceled or deleted: a watch or stream of one job ends on it
// (error does not: a retry follows, or a fatal).
bool ends_job_stream(std::string_view status) noexcept;

enum class JobAction {
    claim,          // a worker takes a due scheduled run
    heartbeat,      // the worker holding a run reports it is alive
    complete,       // the worker holding a run reports success
    fail,           // the worker holding a run reports failure
    lease_expired,  // the holder stopped sending heartbeats
    cancel,         // a user cancels a scheduled or running run
    run_now,        // a user asks for a run now
    fire,           // the trigger's tick (the scheduler)
    retry,          // the backoff after a failure ended (the scheduler)
};

std::string_view to_string(JobAction action) noexcept;
std::optional<JobAction> parse_action(std::string_view text) noexcept;

struct JobState {
    std::int64_t job_id = 0;
    JobStatus status = JobStatus::scheduled;
    int attempt = 1;       // attempts since the last completed run, counting this one
    int max_attempts = 1;
    bool paused = false;
    std::string worker;    // who holds a running run ("" for none)
};

// One event to append: the job's status and attempt after it.
struct JobStep {
    JobStatus status;
    int attempt;
    bool operator==(const JobStep&) const = default;
};

// The events an action appends, in order (none for a heartbeat). `worker` is the
// caller for claim, heartbeat, complete and fail. Throws Error(wrong_state) with a
// message that says what and why when the action is not allowed.
std::vector<JobStep> transition(const JobState& state, JobAction action,
                                std::string_view worker = {});

}  // namespace cadence::core
