#include "core/instant.hpp"

#include <cctz/time_zone.h>

#include "core/error.hpp"

namespace cadence::core {

std::string format_instant(Instant t) {
    return cctz::format("%Y-%m-%dT%H:%M:%E*SZ", t, cctz::utc_time_zone());
}

Instant parse_instant(std::string_view text, std::string_view what) {
    Instant t;
    // cctz accepts "Z" for %Ez as well as +hh:mm.
    if (!cctz::parse("%Y-%m-%dT%H:%M:%E*S%Ez", std::string(text), cctz::utc_time_zone(), &t)) {
        throw Error(ErrorKind::invalid_parameter,
                    "invalid " + std::string(what) + " \"" + std::string(text) +
                        "\": expected an RFC 3339 timestamp such as 2026-01-31T09:00:00Z");
    }
    return t;
}

}  // namespace cadence::core
