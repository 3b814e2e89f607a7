// Absolute time in the core: microseconds since the Unix epoch (UTC), the
// resolution of PostgreSQL's timestamptz.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace cadence::core {

using Micros = std::chrono::microseconds;
using Instant = std::chrono::time_point<std::chrono::system_clock, Micros>;
using Seconds = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

// The instants pg_cadence handles: years 1 to 9999 (UTC). Nothing schedules
// beyond them, and arithmetic within them cannot overflow.
inline constexpr std::int64_t min_unix_micros = -62135596800000000;  // 0001-01-01T00:00:00Z
inline constexpr std::int64_t max_unix_micros = 253402300799999999;  // 9999-12-31T23:59:59.999999Z

// Instant from microseconds since 1970-01-01 00:00:00 UTC.
constexpr Instant instant_from_unix_micros(std::int64_t micros) { return Instant(Micros(micros)); }
constexpr std::int64_t unix_micros(Instant t) { return t.time_since_epoch().count(); }

// RFC 3339 in UTC with only as many fractional digits as needed:
// "2026-03-08T07:00:00Z", "2026-03-08T07:00:00.25Z".
std::string format_instant(Instant t);

// Whether t lies in years 1 to 9999.
constexpr bool in_range(Instant t) {
    return unix_micros(t) >= min_unix_micros && unix_micros(t) <= max_unix_micros;
}

// Parses RFC 3339 ("2026-03-08T02:30:00-05:00", "...Z", fractional seconds allowed)
// in years 1 to 9999. Throws Error(invalid_parameter) naming `what` and the text.
Instant parse_instant(std::string_view text, std::string_view what);

}  // namespace cadence::core
