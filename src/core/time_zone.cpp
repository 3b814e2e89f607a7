#include "core/time_zone.hpp"

#include <string>

#include "core/error.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

cctz::time_zone load_zone(std::string_view name) {
    cctz::time_zone zone;
    // "localtime" would silently follow the server's /etc/localtime; paths are not names.
    bool acceptable = !name.empty() && name != "localtime" && name.front() != '/' &&
                      name.find("..") == std::string_view::npos;
    if (!acceptable || !cctz::load_time_zone(std::string(name), &zone)) {
        throw Error(ErrorKind::invalid_parameter,
                    "unknown time zone \"" + std::string(name) + "\"",
                    "Time zones are IANA names from the tz database, such as UTC, "
                    "Europe/Berlin or America/New_York.",
                    "SELECT name FROM pg_timezone_names lists the names this server knows.");
    }
    return zone;
}

}  // namespace cadence::core
