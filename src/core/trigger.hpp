// Triggers: when a job should run. A trigger is stored as a JSON descriptor
// (jsonb in the database); parse_trigger validates one and trigger_to_json writes
// its normalised form.
//
//   {"kind": "once",     "at": "2026-12-24T18:00:00Z"}
//   {"kind": "interval", "period_seconds": 30, "anchor": "2026-11-24T09:00:00Z"}
//   {"kind": "cron",     "expr": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"}
#pragma once

#include <cctz/time_zone.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/cron_expr.hpp"
#include "core/instant.hpp"

namespace cadence::core {

struct OnceTrigger {
    Instant at;
};

// Ticks are anchor + k * period (k >= 0): the schedule never drifts. Without an
// anchor, the job's creation time is the anchor.
struct IntervalTrigger {
    Micros period;
    std::optional<Instant> anchor;
};

struct CronTrigger {
    CronExpr expr;
    std::string timezone;  // IANA name
    cctz::time_zone zone;
};

using Trigger = std::variant<OnceTrigger, IntervalTrigger, CronTrigger>;

// Shortest and longest interval periods accepted.
inline constexpr Micros min_period = std::chrono::seconds(1);
inline constexpr Micros max_period = std::chrono::hours(24 * 366 * 100);

// Builders; each validates and throws Error with a message naming the bad part.
OnceTrigger make_once(Instant at);
IntervalTrigger make_interval(Micros period, std::optional<Instant> anchor);
CronTrigger make_cron(std::string_view expr, std::string_view timezone);

// Parses and validates a JSON descriptor.
Trigger parse_trigger(std::string_view json);

// The normalised JSON descriptor.
std::string trigger_to_json(const Trigger& trigger);

// The first fire strictly after t; nullopt when there is none (a once trigger
// whose time has passed). An interval without an anchor uses default_anchor.
// With t and the anchor in years 1 to 9999, the result cannot overflow (it may lie
// a period, or 400 years for cron, past 9999).
std::optional<Instant> next_fire_after(const Trigger& trigger, Instant t, Instant default_anchor);

}  // namespace cadence::core
