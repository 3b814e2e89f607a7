// Which timer a job needs in a given state: the next moment it needs the
// scheduler, and what for. Paused jobs and one-shot jobs that ended need none.
#pragma once

#include <optional>

#include "core/instant.hpp"
#include "core/job_state.hpp"
#include "core/timer_map.hpp"
#include "core/trigger.hpp"

namespace cadence::core {

struct JobTimerInput {
    JobStatus status;
    bool paused;
    bool external;                 // claimed by external workers (leases apply)
    const Trigger* trigger;
    Instant created_at;
    std::optional<Instant> run_at;            // scheduled: due; error: retry
    std::optional<Instant> lease_expires_at;  // running
    std::optional<Instant> fire_base;         // the next tick is the first after this
};

struct JobTimer {
    Instant at;
    TimerKind kind;
    bool operator==(const JobTimer&) const = default;
};

// A new run's due time: a once trigger's time (even if past: then it is due at
// once), or the first tick strictly after `after`, anchored there when the trigger
// has no anchor of its own. nullopt when no tick lies in years 1-9999.
std::optional<Instant> first_fire(const Trigger& trigger, Instant after);

// A periodic trigger's next tick after `after` (nullopt for once triggers).
std::optional<Instant> next_tick(const Trigger& trigger, Instant after, Instant created_at);

std::optional<JobTimer> job_timer(const JobTimerInput& job);

}  // namespace cadence::core
