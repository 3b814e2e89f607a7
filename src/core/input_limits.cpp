#include "core/input_limits.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

InputKind input_kind_of(std::string_view argument) {
    if (argument == "name" || argument == "names" || argument == "queue" || argument == "worker")
        return InputKind::name;
    if (argument == "payload" || argument == "payloads" || argument == "result" || argument == "results")
        return InputKind::payload;
    if (argument == "sql") return InputKind::sql;
    if (argument == "error" || argument == "errors" || argument == "traceback" || argument == "tracebacks")
        return InputKind::error;
    return InputKind::unlimited;
}

std::string_view limit_setting(InputKind kind) {
    switch (kind) {
    case InputKind::name: return "cadence.max_name_bytes";
    case InputKind::payload: return "cadence.max_payload_bytes";
    case InputKind::sql: return "cadence.max_sql_bytes";
    case InputKind::error: return "cadence.max_error_bytes";
    case InputKind::unlimited: break;
    }
    return "";
}

std::string too_large_message(std::string_view argument, std::size_t bytes, InputKind kind, std::size_t limit) {
    return std::string(argument) + " is " + std::to_string(bytes) + " bytes, more than " +
           std::string(limit_setting(kind)) + " (" + std::to_string(limit) + ")";
}

std::string too_large_hint(InputKind kind) {
    switch (kind) {
    case InputKind::payload:
        return "Keep large data in a table of your own and pass its key; a superuser may raise "
               "cadence.max_payload_bytes (for a role: ALTER ROLE ... SET).";
    case InputKind::sql:
        return "Put long SQL in a function or procedure and call it; a superuser may raise cadence.max_sql_bytes.";
    default:
        return "A superuser may raise " + std::string(limit_setting(kind)) + ".";
    }
}

std::string cut_marker(std::size_t cut_bytes, InputKind kind) {
    return " [... " + std::to_string(cut_bytes) + " more bytes cut: " + std::string(limit_setting(kind)) + "]";
}

std::string cut_utf8(std::string_view text, std::size_t limit, InputKind kind) {
    if (text.size() <= limit) return std::string(text);
    std::size_t end = limit;
    // Back to the first byte of a character: continuation bytes are 10xxxxxx.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end)) + cut_marker(text.size() - end, kind);
}

}  // namespace cadence::core
