#include "client/job_body.hpp"

#include <nlohmann/json.hpp>

namespace cadence::client::serve {

namespace {

enum class Kind { text, json, integer, interval };

struct Field {
    const char* name;
    Kind kind;
    const char* sql_type;
};

// create_job's arguments (alter_job takes the same, by name).
constexpr Field fields[] = {
    {"name", Kind::text, "text"},        {"trigger", Kind::json, "jsonb"},
    {"sql", Kind::text, "text"},         {"payload", Kind::json, "jsonb"},
    {"queue", Kind::text, "text"},       {"max_attempts", Kind::integer, "int"},
    {"backoff", Kind::interval, "interval"}, {"timeout", Kind::interval, "interval"},
};

std::string expected(Kind kind) {
    switch (kind) {
    case Kind::text: return "a string";
    case Kind::json: return "JSON";
    case Kind::integer: return "an integer";
    case Kind::interval: return "an interval: a string such as \"30 seconds\", or a number of seconds";
    }
    return "";
}

}  // namespace

std::variant<std::vector<JobArgument>, JobBodyError> parse_job_body(std::string_view body, bool create) {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object())
        return JobBodyError{"the body must be a JSON object, for example {\"name\": \"nightly\", "
                            "\"trigger\": {\"kind\": \"cron\", \"expr\": \"0 3 * * *\"}}"};
    for (const auto& [key, value] : json.items()) {
        bool known = false;
        for (const Field& f : fields) known = known || key == f.name;
        if (!known) return JobBodyError{"unknown field \"" + key + "\""};
    }
    std::vector<JobArgument> arguments;
    for (const Field& f : fields) {
        auto it = json.find(f.name);
        if (it == json.end()) continue;
        JobArgument argument{f.name, f.sql_type, std::nullopt};
        const auto& value = *it;
        // A null on create means "the default": the argument is left out.
        if (create && value.is_null()) continue;
        if (value.is_string() && value.get_ref<const std::string&>().find('\0') != std::string::npos)
            return JobBodyError{std::string(f.name) + " must not contain a NUL character"};
        if (!value.is_null()) {
            switch (f.kind) {
            case Kind::text:
                if (!value.is_string()) return JobBodyError{std::string(f.name) + " must be " + expected(f.kind)};
                argument.value = value.get<std::string>();
                break;
            case Kind::json:
                if (std::string(f.name) == "trigger" && !value.is_object())
                    return JobBodyError{"trigger must be a JSON object, as cadence.every(), cadence.cron() and "
                                        "cadence.once() return (docs/triggers.md)"};
                argument.value = value.dump();
                break;
            case Kind::integer:
                if (!value.is_number_integer() ||
                    (value.is_number_unsigned() && value.get<unsigned long long>() > INT32_MAX) ||
                    value.get<long long>() < INT32_MIN || value.get<long long>() > INT32_MAX)
                    return JobBodyError{std::string(f.name) + " must be " + expected(f.kind)};
                argument.value = std::to_string(value.get<long long>());
                break;
            case Kind::interval:
                if (value.is_string()) argument.value = value.get<std::string>();
                else if (value.is_number()) argument.value = value.dump() + " seconds";
                else return JobBodyError{std::string(f.name) + " must be " + expected(f.kind)};
                break;
            }
        }
        arguments.push_back(std::move(argument));
    }
    if (create) {
        for (const char* required : {"name", "trigger"}) {
            bool given = false;
            for (const auto& a : arguments) given = given || (a.name == required && a.value);
            if (!given) return JobBodyError{std::string(required) + " is required"};
        }
    } else if (arguments.empty()) {
        return JobBodyError{"nothing to change: give at least one of name, trigger, sql, payload, queue, "
                            "max_attempts, backoff, timeout"};
    }
    return arguments;
}

std::string job_call_sql(const std::vector<JobArgument>& arguments, bool create) {
    std::string sql = create ? "SELECT cadence.create_job(" : "SELECT cadence.alter_job($1::bigint";
    int n = create ? 0 : 1;
    for (const auto& a : arguments) {
        if (n > 0) sql += ", ";
        sql += a.name + " => $" + std::to_string(++n) + "::" + a.sql_type;
    }
    return sql + ")";
}

}  // namespace cadence::client::serve
