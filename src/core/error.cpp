#include "core/error.hpp"

#include <utility>
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
    case ErrorKind::invalid_parameter: return "invalid_parameter";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::wrong_state: return "wrong_state";
    case ErrorKind::limit_exceeded: return "limit_exceeded";
    case ErrorKind::internal: return "internal";
    }
    return "internal";
}

Error::Error(ErrorKind kind, std::string message, std::string detail, std::string hint)
    : std::runtime_error(std::move(message)),
      kind_(kind),
      detail_(std::move(detail)),
      hint_(std::move(hint)) {}

}  // namespace cadence::core
