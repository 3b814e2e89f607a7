#include "core/job_state.hpp"

#include <array>

#include "core/error.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {

constexpr std::size_t status_count = static_cast<std::size_t>(JobStatus::canceled) + 1;
constexpr std::array<std::string_view, 9> action_names = {
    "claim", "heartbeat", "complete", "fail", "lease_expired", "cancel", "run_now", "fire", "retry"};

std::string job(const JobState& state) { return "job " + std::to_string(state.job_id); }

[[noreturn]] void refuse(std::string message, std::string hint = {}) {
    throw Error(ErrorKind::wrong_state, std::move(message), {}, std::move(hint));
}

// "completed", "in error": how a status reads after "is".
std::string phrase(JobStatus status) {
    return status == JobStatus::error ? "in error" : std::string(to_string(status));
}

std::string is(const JobState& state) { return job(state) + " is " + phrase(state.status); }

// Actions of the worker holding a run: the run must be running and be theirs.
void require_holder(const JobState& state, JobAction action, std::string_view worker) {
    if (state.status != JobStatus::running) {
        refuse(is(state) + "; only a running job can be given " +
               (action == JobAction::heartbeat ? "a heartbeat" : "a result") + " (" +
               std::string(to_string(action)) + ")");
    }
    if (worker != state.worker) {
        refuse(job(state) + " is held by worker \"" + state.worker + "\", not \"" +
               std::string(worker) + "\"");
    }
}

}  // namespace

std::string_view to_string(JobStatus status) noexcept { return event_names[static_cast<size_t>(status)]; }

std::optional<JobStatus> parse_status(std::string_view text) noexcept {
    auto index = event_index(text);
    if (!index || *index >= status_count) return std::nullopt;
    return static_cast<JobStatus>(*index);
}

std::optional<std::size_t> event_index(std::string_view name) noexcept {
    for (std::size_t i = 0; i < event_names.size(); ++i)
        if (event_names[i] == name) return i;
    return std::nullopt;
}

bool is_terminal(JobStatus status) noexcept {
    return status != JobStatus::scheduled && status != JobStatus::running;
}

bool ends_job_stream(std::string_view status) noexcept {
    if (status == deleted_status) return true;
    auto parsed = parse_status(status);
    return parsed && is_terminal(*parsed) && *parsed != JobStatus::error;
}

std::string_view to_string(JobAction action) noexcept {
    return action_names[static_cast<size_t>(action)];
}

std::optional<JobAction> parse_action(std::string_view text) noexcept {
    for (size_t i = 0; i < action_names.size(); ++i)
        if (action_names[i] == text) return static_cast<JobAction>(i);
    return std::nullopt;
}

std::vector<JobStep> transition(const JobState& state, JobAction action, std::string_view worker) {
    const int attempt = state.attempt;
    switch (action) {
    case JobAction::claim:
        if (state.paused) refuse(job(state) + " is paused; it cannot be claimed");
        if (state.status != JobStatus::scheduled)
            refuse(is(state) + "; only a scheduled job can be claimed");
        if (worker.empty()) refuse("a worker name must not be empty");
        return {{JobStatus::running, attempt}};

    case JobAction::heartbeat:
        require_holder(state, action, worker);
        return {};

    case JobAction::complete:
        require_holder(state, action, worker);
        return {{JobStatus::completed, attempt}};

    case JobAction::fail:
        require_holder(state, action, worker);
        [[fallthrough]];
    case JobAction::lease_expired:
        if (state.status != JobStatus::running) refuse(is(state) + "; only a running job can fail");
        if (attempt < state.max_attempts) return {{JobStatus::error, attempt}};
        return {{JobStatus::fatal, attempt}};

    case JobAction::cancel:
        if (is_terminal(state.status)) {
            refuse(job(state) + " is already " + phrase(state.status) +
                   "; only a scheduled or running job can be canceled");
        }
        return {{JobStatus::canceled, attempt}};

    case JobAction::run_now:
        if (state.paused) refuse(job(state) + " is paused", "Resume it first with cadence.resume_job().");
        switch (state.status) {
        case JobStatus::running: refuse(is(state) + "; it cannot be run again until it ends");
        case JobStatus::scheduled: return {{JobStatus::scheduled, attempt}};  // due now
        case JobStatus::error: return {{JobStatus::scheduled, attempt + 1}};  // retry now
        default: return {{JobStatus::scheduled, 1}};
        }

    case JobAction::fire:
        if (state.paused) refuse(job(state) + " is paused; its trigger does not fire");
        if (!is_terminal(state.status))
            refuse(is(state) + "; a pending or running run is never fired again");
        if (state.status == JobStatus::error)  // the retry cycle is abandoned
            return {{JobStatus::fatal, attempt}, {JobStatus::scheduled, 1}};
        return {{JobStatus::scheduled, 1}};

    case JobAction::retry:
        if (state.paused) refuse(job(state) + " is paused; it is not retried");
        if (state.status != JobStatus::error)
            refuse(is(state) + "; only a job in error is retried");
        if (attempt >= state.max_attempts)
            refuse(job(state) + " has no attempts left (" + std::to_string(attempt) + " of " +
                   std::to_string(state.max_attempts) + ")");
        return {{JobStatus::scheduled, attempt + 1}};
    }
    throw Error(ErrorKind::internal, "unknown job action");
}

}  // namespace cadence::core
