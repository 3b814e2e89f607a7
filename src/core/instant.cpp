#include "core/instant.hpp"

#include <cctz/time_zone.h>

#include "core/error.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

std::string format_instant(Instant t) {
    return cctz::format("%Y-%m-%dT%H:%M:%E*SZ", t, cctz::utc_time_zone());
}

Instant parse_instant(std::string_view text, std::string_view what) {
    constexpr const char* format = "%Y-%m-%dT%H:%M:%E*S%Ez";  // %Ez accepts Z too
    std::string input(text);
    // Whole seconds first: a far-away year would overflow microseconds.
    Seconds seconds;
    if (!cctz::parse(format, input, cctz::utc_time_zone(), &seconds)) {
        throw Error(ErrorKind::invalid_parameter,
                    "invalid " + std::string(what) + " \"" + input +
                        "\": expected an RFC 3339 timestamp such as 2026-01-31T09:00:00Z");
    }
    auto whole = seconds.time_since_epoch().count();
    if (whole < min_unix_micros / 1000000 || whole > max_unix_micros / 1000000) {
        throw Error(ErrorKind::invalid_parameter, "invalid " + std::string(what) + " \"" + input +
                                                      "\": only years 1 to 9999 are supported");
    }
    Instant t;
    cctz::parse(format, input, cctz::utc_time_zone(), &t);
    return t;
}

}  // namespace cadence::core
