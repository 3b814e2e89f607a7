#include "core/run_outcome.hpp"

#include <nlohmann/json.hpp>

namespace cadence::core {

namespace {

constexpr std::string_view query_canceled = "57014";

// ASCII JSON (other characters escaped) that never throws: a message that is not
// valid UTF-8 gets replacement characters instead of ending the executor.
std::string dump(const nlohmann::json& details) {
    return details.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

void put_if_set(nlohmann::json& details, const char* key, const std::string& value) {
    if (!value.empty()) details[key] = value;
}

}  // namespace

RunOutcome completed_run(std::string_view command, std::uint64_t rows, Millis elapsed) {
    nlohmann::json details = {{"result", {{"command", std::string(command)}, {"rows", rows}}},
                              {"duration_ms", elapsed.count()}};
    return {"complete", dump(details)};
}

RunOutcome failed_run(const RunError& error, bool stop_requested, Millis elapsed, Millis timeout) {
    nlohmann::json details = {{"error", error.message.empty() ? "unknown error" : error.message},
                              {"duration_ms", elapsed.count()}};
    put_if_set(details, "sqlstate", error.sqlstate);
    put_if_set(details, "detail", error.detail);
    put_if_set(details, "hint", error.hint);
    put_if_set(details, "context", error.context);
    if (error.sqlstate != query_canceled) return {"fail", dump(details)};
    if (!stop_requested && timeout.count() > 0 && elapsed >= timeout) {
        details["timed_out"] = true;
        details["timeout_ms"] = timeout.count();
        return {"fail", dump(details)};
    }
    details["canceled_by"] = stop_requested ? "cadence.cancel_job" : "pg_cancel_backend";
    return {"cancel", dump(details)};
}

std::string lost_run_details() {
    nlohmann::json details = {
        {"error", "the executor running this job ended during the run (server crash, restart "
                  "or termination); the run's transaction was rolled back"},
        {"executor_lost", true}};
    return dump(details);
}

}  // namespace cadence::core
