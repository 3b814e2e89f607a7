// The one exception type the core throws. It says what went wrong for a person
// and which class of error it is; the PostgreSQL glue maps the class to a SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace cadence::core {

// Error classes, each with exactly one SQLSTATE in src/pg/boundary.cpp.
enum class ErrorKind {
    invalid_parameter,   // a caller's argument is wrong (22023)
    not_found,           // a named object does not exist (42704)
    wrong_state,         // the object is not in a state that allows this (55000)
    limit_exceeded,      // a value or a count is over a configured limit (54000)
    internal,            // a bug: something the core believed impossible (XX000)
};

// Name of the error class, for logs and tests ("invalid_parameter", ...).
std::string_view to_string(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string message, std::string detail = {},
          std::string hint = {});

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorKind kind_;
    std::string detail_;
    std::string hint_;
};

}  // namespace cadence::core
