#include "pg/text.hpp"

#include <cstring>

extern "C" {
#include "mb/pg_wchar.h"
}

#include "pg/boundary.hpp"

namespace cadence::pg {

std::string to_string(const text* value) {
    return std::string(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

text* to_text(std::string_view s) {
    return pg_guard([&]() noexcept { return cstring_to_text_with_len(s.data(), s.size()); });
}

std::string text_arg(FunctionCallInfo fcinfo, int n) {
    text* value = pg_guard([&]() noexcept { return PG_GETARG_TEXT_PP(n); });
    return to_string(value);
}

void copy_clipped(char* out, size_t size, const char* in) noexcept {
    if (size == 0) return;
    int length = pg_mbcliplen(in, static_cast<int>(strlen(in)), static_cast<int>(size) - 1);
    memcpy(out, in, length);
    out[length] = '\0';
}

}  // namespace cadence::pg
