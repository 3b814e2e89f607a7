// Limits on what callers of the SQL API may store: names, payloads and results,
// SQL bodies, errors. Each is a setting (cadence.max_*_bytes). A value over its
// limit is refused with SQLSTATE 54000 naming the argument, its size and the
// setting; error texts and tracebacks are cut instead, with a visible marker, so
// that a failure is always recorded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cadence::core {

enum class InputKind { unlimited, name, payload, sql, error };

// The longest queue name, in bytes: the queue column's CHECK in src/sql/schema.sql
// and cadence._check_settings in src/sql/lifecycle.sql say the same (the
// regression tests hold all three to it).
inline constexpr std::size_t max_queue_name_bytes = 63;

// What limits an argument of the public API, by its name: name(s), queue and
// worker are names; payload(s) and result(s) payloads; sql the SQL body; error(s)
// and traceback(s) errors.
InputKind input_kind_of(std::string_view argument);

// The setting that holds the kind's limit ("cadence.max_name_bytes", ...).
std::string_view limit_setting(InputKind kind);

// Whether a value over the limit is cut (errors) rather than refused.
inline bool cut_when_over(InputKind kind) { return kind == InputKind::error; }

// The message of the 54000 error for a value of `bytes` over `limit`.
std::string too_large_message(std::string_view argument, std::size_t bytes, InputKind kind, std::size_t limit);
std::string too_large_hint(InputKind kind);

// What follows a cut text: says how much was cut and by which setting.
std::string cut_marker(std::size_t cut_bytes, InputKind kind);

// `text` (UTF-8) cut to at most `limit` bytes at a character boundary, followed by
// cut_marker; `text` itself when it fits.
std::string cut_utf8(std::string_view text, std::size_t limit, InputKind kind);

}  // namespace cadence::core
