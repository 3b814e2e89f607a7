#include "core/version.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

#ifndef CADENCE_VERSION
#error "CADENCE_VERSION must be defined by the build (from pg_cadence.control)"
#endif

namespace cadence::core {

std::string_view version() noexcept { return CADENCE_VERSION; }

}  // namespace cadence::core
