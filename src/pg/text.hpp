// Conversions between PostgreSQL text and C++ strings, safe to call while C++
// objects are alive (allocation goes through pg_guard).
#pragma once
#include "pg/postgres.hpp"

#include <string>
#include <string_view>

namespace cadence::pg {

// Copies a (detoasted) text datum's bytes into a std::string.
std::string to_string(const text* value);

// A new palloc'd text holding the bytes of s.
text* to_text(std::string_view s);

// The text argument n of a SQL function, detoasted through the guard.
std::string text_arg(FunctionCallInfo fcinfo, int n);

// Copies `in` (server encoding) into out[size], cut at a character boundary so that
// no multibyte character is split. Never fails.
void copy_clipped(char* out, size_t size, const char* in) noexcept;

}  // namespace cadence::pg
