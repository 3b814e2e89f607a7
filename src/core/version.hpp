// The extension's version, from pg_cadence.control (passed in by both builds).
#pragma once

#include <string_view>

namespace cadence::core {

std::string_view version() noexcept;

}  // namespace cadence::core
