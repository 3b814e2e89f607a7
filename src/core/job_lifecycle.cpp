#include "core/job_lifecycle.hpp"

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "core/retry_policy.hpp"

namespace cadence::core {

namespace {

constexpr std::array<std::string_view, 16> action_names = {
    "create", "claim",     "heartbeat", "complete", "fail",  "lease_expired", "cancel", "run_now",
    "fire",   "retry",     "tick",      "pause",    "resume", "alter",        "retrigger", "remove"};

std::string job_name(const JobRow& row) { return "job " + std::to_string(row.job_id); }

// The state machine's name for an action that changes a run's status.
std::optional<JobAction> state_action(LifecycleAction action) {
    switch (action) {
    case LifecycleAction::claim: return JobAction::claim;
    case LifecycleAction::heartbeat: return JobAction::heartbeat;
    case LifecycleAction::complete: return JobAction::complete;
    case LifecycleAction::fail: return JobAction::fail;
    case LifecycleAction::lease_expired: return JobAction::lease_expired;
    case LifecycleAction::cancel: return JobAction::cancel;
    case LifecycleAction::run_now: return JobAction::run_now;
    case LifecycleAction::fire: return JobAction::fire;
    case LifecycleAction::retry: return JobAction::retry;
    default: return std::nullopt;
    }
}

class Builder {
public:
    Builder(const JobRow& job, const ActionInput& input) : input_(input) { result_.after = job; }

    JobRow& row() { return result_.after; }

    // A status event, and the run columns of the row follow the new status.
    void status(JobStatus status, int attempt, std::optional<Instant> due,
                std::optional<Instant> fire_time, std::string_view reason, bool caller_details = true) {
        JobRow& r = row();
        const bool running = status == JobStatus::running;
        LifecycleEvent event;
        event.event = event.status = to_string(status);
        event.attempt = attempt;
        event.fire_time = fire_time ? fire_time : r.fire_time;
        event.reason = reason;
        event.run_at = due;
        // Who claimed the run, or who held the run this event ends (cadence.workers
        // counts what each worker completed and failed from these).
        if (running) event.worker = std::string(input_.worker);
        else if (r.status == JobStatus::running) event.worker = r.worker;
        event.with_caller_details = caller_details;

        r.status = status;
        r.attempt = attempt;
        r.run_at = due;
        r.fire_time = event.fire_time;
        r.worker = running ? event.worker : std::string();
        r.lease = input_.lease;
        r.lease_expires_at = running && input_.lease ? std::optional(input_.clock + *input_.lease) : std::nullopt;
        r.heartbeat_at = running ? std::optional(input_.clock) : std::nullopt;
        r.progress.reset();
        // A fired (or first) run: the next tick is the first after the tick it
        // belongs to or, when it fired late, after the moment it fired.
        if (status == JobStatus::scheduled && fire_time) r.fire_base = due ? std::max(*fire_time, *due) : *fire_time;
        result_.events.push_back(std::move(event));
    }

    // An event that is not a status change: the status stays as it is.
    void other(std::string_view name) {
        const JobRow& r = row();
        LifecycleEvent event;
        event.event = name;
        event.status = to_string(r.status);
        event.attempt = r.attempt;
        event.fire_time = r.fire_time;
        result_.events.push_back(std::move(event));
    }

    // The moves the state machine decides, with the due times they call for.
    void through_state_machine(JobAction action, std::optional<Instant> tick, std::string_view reason,
                               std::string error = {}) {
        JobState state{row().job_id, row().status, row().attempt, row().max_attempts, row().paused, row().worker};
        for (const JobStep& step : transition(state, action, input_.worker)) {
            std::optional<Instant> due;
            if (step.status == JobStatus::scheduled) due = input_.now;
            if (step.status == JobStatus::error)
                due = input_.now + retry_delay(row().backoff, step.attempt, input_.unit_random);
            status(step.status, step.attempt, due, step.status == JobStatus::scheduled ? tick : std::nullopt,
                   reason);
            if (!error.empty()) result_.events.back().error = error;
        }
    }

    LifecycleResult finish(bool keep_timer) {
        const JobRow& r = row();
        if (result_.removed) {
            result_.timer.reset();
        } else if (keep_timer) {
            result_.timer = r.timer;
        } else {
            JobTimerInput in{r.status, r.paused, r.external, r.trigger, r.created_at,
                             r.run_at, r.lease_expires_at, r.fire_base};
            result_.timer = job_timer(in);
            if (result_.timer && !in_range(result_.timer->at)) result_.timer.reset();
        }
        result_.after.timer = result_.timer;
        return std::move(result_);
    }

    LifecycleResult result_;

private:
    const ActionInput& input_;
};

}  // namespace

std::string_view to_string(LifecycleAction action) noexcept {
    return action_names[static_cast<size_t>(action)];
}

std::optional<LifecycleAction> parse_lifecycle_action(std::string_view text) noexcept {
    for (size_t i = 0; i < action_names.size(); ++i)
        if (action_names[i] == text) return static_cast<LifecycleAction>(i);
    return std::nullopt;
}

LifecycleResult apply_action(const JobRow& job, const ActionInput& input) {
    if (job.trigger == nullptr) throw Error(ErrorKind::internal, "job lifecycle: no trigger");
    Builder b(job, input);
    JobRow& row = b.row();
    const std::string_view reason = to_string(input.action);
    switch (input.action) {
    case LifecycleAction::create: {
        row.status = JobStatus::scheduled;
        row.attempt = 1;
        row.fire_time.reset();
        row.fire_base.reset();
        auto first = first_fire(*job.trigger, job.created_at);
        b.status(JobStatus::scheduled, 1, first, first, "created");
        break;
    }
    case LifecycleAction::heartbeat:
        (void)transition({job.job_id, job.status, job.attempt, job.max_attempts, job.paused, job.worker},
                         JobAction::heartbeat, input.worker);
        // Heartbeats are not status changes: the lease moves without an event,
        // and the stored lease timer is looked at again lazily when it is due.
        row.heartbeat_at = input.clock;
        row.lease_expires_at = job.lease ? std::optional(input.clock + *job.lease) : std::nullopt;
        if (input.progress) row.progress = input.progress;
        return b.finish(true);
    case LifecycleAction::tick: {
        if (job.paused || job.status == JobStatus::scheduled) break;
        if (job.status == JobStatus::running) {
            if (job.external && job.lease_expires_at && *job.lease_expires_at <= input.now) {
                b.through_state_machine(JobAction::lease_expired, std::nullopt, "lease_expired",
                                        "lease expired: worker " + job.worker + " sent no heartbeat");
            }
            break;
        }
        auto tick = next_tick(*job.trigger, job.fire_base.value_or(job.created_at), job.created_at);
        if (tick && *tick <= input.now && (job.status != JobStatus::error || (job.run_at && *tick <= *job.run_at))) {
            b.through_state_machine(JobAction::fire, tick, "fire");
        } else if (job.status == JobStatus::error && job.run_at && *job.run_at <= input.now) {
            b.through_state_machine(JobAction::retry, std::nullopt, "retry");
        }
        break;
    }
    case LifecycleAction::pause:
    case LifecycleAction::resume: {
        const bool pause = input.action == LifecycleAction::pause;
        if (job.paused == pause) {
            b.result_.notice = job_name(job) + (pause ? " is already paused" : " is not paused");
            return b.finish(true);
        }
        row.paused = pause;
        b.other(pause ? "paused" : "resumed");
        break;
    }
    case LifecycleAction::alter:
    case LifecycleAction::retrigger:
        b.other("altered");
        // A first run still waiting for its tick follows the new trigger; a run in
        // progress finishes, and the new trigger takes effect for the next fire.
        if (input.action == LifecycleAction::retrigger && job.status == JobStatus::scheduled && job.attempt == 1) {
            auto next = first_fire(*job.trigger, input.now);
            if (next != job.run_at) b.status(JobStatus::scheduled, 1, next, next, "altered", false);
        }
        break;
    case LifecycleAction::remove: {
        LifecycleEvent event;
        event.event = event.status = "deleted";
        event.attempt = job.attempt;
        event.fire_time = job.fire_time;
        b.result_.events.push_back(std::move(event));
        b.result_.removed = true;
        break;
    }
    default: {
        auto action = state_action(input.action);
        if (!action) throw Error(ErrorKind::internal, "job lifecycle: unknown action");
        b.through_state_machine(*action, std::nullopt, reason);
        break;
    }
    }
    return b.finish(false);
}

}  // namespace cadence::core

#include "core/json_text.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

std::string event_details_json(const LifecycleEvent& event) {
    if (event.reason.empty()) return {};
    std::string json = "{\"reason\":" + json_quote(event.reason);
    if (event.run_at) json += ",\"run_at\":\"" + format_instant(*event.run_at) + "\"";
    if (!event.worker.empty()) json += ",\"worker\":" + json_quote(event.worker);
    if (!event.error.empty()) json += ",\"error\":" + json_quote(event.error);
    return json + "}";
}

}  // namespace cadence::core
