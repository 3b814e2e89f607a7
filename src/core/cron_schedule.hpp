// When a cron expression fires, in a time zone, following design.md's
// daylight-saving rules:
// - a wall-clock time that does not exist (spring forward) fires at the first
//   instant after the gap (once, however many skipped times match);
// - a wall-clock time that occurs twice (fall back) fires at its first occurrence
//   when the hour field is fixed, and at every occurrence when it is * or a step.
#pragma once

#include <cctz/time_zone.h>

#include <optional>

#include "core/cron_expr.hpp"
#include "core/instant.hpp"

namespace cadence::core {

// The first fire strictly after t; nullopt only if none within 400 years (which
// parse_cron already rules out).
std::optional<Instant> cron_next_fire_after(const CronExpr& expr, const cctz::time_zone& zone,
                                            Instant t);

// The first civil time at or after `from` that matches every field, searching at
// most 400 years ahead.
std::optional<cctz::civil_second> cron_next_match(const CronExpr& expr,
                                                  const cctz::civil_second& from);

}  // namespace cadence::core
