// Helpers shared by the core's unit tests.
#pragma once

#include <cctz/time_zone.h>

#include <string>
#include <vector>

#include "core/cron_schedule.hpp"
#include "core/instant.hpp"
#include "core/time_zone.hpp"

namespace cadence::core::testing {

inline Instant at(const std::string& rfc3339) { return parse_instant(rfc3339, "test time"); }

// "2026-03-08 03:00:00 -04:00": local wall-clock time with its offset.
inline std::string local(Instant t, const cctz::time_zone& zone) {
    return cctz::format("%Y-%m-%d %H:%M:%S %Ez", t, zone);
}

// The next `count` fires of a cron expression after `start`, as local times.
inline std::vector<std::string> fires(const std::string& expr, const std::string& zone_name,
                                      const std::string& start, int count) {
    CronExpr parsed = parse_cron(expr);
    cctz::time_zone zone = load_zone(zone_name);
    std::vector<std::string> out;
    Instant t = at(start);
    for (int i = 0; i < count; ++i) {
        auto next = cron_next_fire_after(parsed, zone, t);
        if (!next) break;
        out.push_back(local(*next, zone));
        t = *next;
    }
    return out;
}

}  // namespace cadence::core::testing
