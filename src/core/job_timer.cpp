#include "core/job_timer.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

std::optional<Instant> first_fire(const Trigger& trigger, Instant after) {
    if (const auto* once = std::get_if<OnceTrigger>(&trigger)) return once->at;
    auto next = next_fire_after(trigger, after, after);
    if (!next || !in_range(*next)) return std::nullopt;
    return next;
}

std::optional<Instant> next_tick(const Trigger& trigger, Instant after, Instant created_at) {
    if (std::holds_alternative<OnceTrigger>(trigger)) return std::nullopt;
    return next_fire_after(trigger, after, created_at);
}

std::optional<JobTimer> job_timer(const JobTimerInput& job) {
    if (job.paused) return std::nullopt;
    switch (job.status) {
    case JobStatus::scheduled:
        // Wakes the workers when the run becomes due.
        if (job.run_at) return JobTimer{*job.run_at, TimerKind::due};
        return std::nullopt;
    case JobStatus::running:
        if (job.external && job.lease_expires_at) return JobTimer{*job.lease_expires_at, TimerKind::lease};
        return std::nullopt;
    default:
        break;
    }
    std::optional<JobTimer> timer;
    auto tick = next_tick(*job.trigger, job.fire_base.value_or(job.created_at), job.created_at);
    if (tick) timer = JobTimer{*tick, TimerKind::fire};
    // A retry due before the next tick comes first; at the tick, the retry cycle ends.
    if (job.status == JobStatus::error && job.run_at && (!timer || *job.run_at < timer->at))
        timer = JobTimer{*job.run_at, TimerKind::retry};
    return timer;
}

}  // namespace cadence::core
