// The JSON body of POST /api/v1/jobs and PATCH /api/v1/jobs/{id}: which arguments
// of cadence.create_job / cadence.alter_job it gives, checked for their JSON types
// here (a wrong one is a 400 naming the field); their values are checked by the
// SQL functions themselves, as for any caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cadence::client::serve {

// One named argument: `name => $n::type`, its value as text (NULL when absent).
struct JobArgument {
    std::string name;                  // create_job's argument name (also the JSON field)
    std::string sql_type;              // text, jsonb, int or interval
    std::optional<std::string> value;  // JSON null: SQL NULL
    bool operator==(const JobArgument&) const = default;
};

struct JobBodyError {
    std::string message;  // says which field and what was expected
};

// For create (name and trigger required) or alter (at least one field). The
// arguments come in create_job's order.
std::variant<std::vector<JobArgument>, JobBodyError> parse_job_body(std::string_view body, bool create);

// "SELECT cadence.create_job(name => $1::text, ...)" or
// "SELECT cadence.alter_job($1::bigint, trigger => $2::jsonb, ...)" for the arguments.
std::string job_call_sql(const std::vector<JobArgument>& arguments, bool create);

}  // namespace cadence::client::serve
