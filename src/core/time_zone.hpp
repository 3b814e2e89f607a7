// IANA time zones from the system's tz database (Debian's tzdata), through cctz.
#pragma once

#include <cctz/time_zone.h>

#include <string_view>

namespace cadence::core {

// Loads an IANA zone ("UTC", "Europe/Berlin"). cctz caches loaded zones.
// Throws Error(invalid_parameter) for an unknown or non-IANA name.
cctz::time_zone load_zone(std::string_view name);

}  // namespace cadence::core
