// Text as a JSON string, for the few JSON documents the core writes by hand.
#pragma once

#include <string>
#include <string_view>

namespace cadence::core {

// A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD.
std::string json_quote(std::string_view text);

}  // namespace cadence::core
