#include "core/run_outcome.hpp"

#include <nlohmann/json.hpp>
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

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

void put_notes(nlohmann::json& details, const RunNotes& notes) {
    if (!notes.warnings.empty()) {
        auto& warnings = details["warnings"] = nlohmann::json::array();
        for (const auto& warning : notes.warnings) warnings.push_back(warning);
    }
    if (notes.warnings_left_out > 0) details["warnings_left_out"] = notes.warnings_left_out;
    if (notes.committed_before_error) details["committed_before_error"] = true;
}

}  // namespace

RunOutcome completed_run(std::string_view command, std::uint64_t rows, Millis elapsed,
                         const RunNotes& notes, const std::optional<RunValue>& value) {
    nlohmann::json details = {{"result", {{"command", std::string(command)}, {"rows", rows}}},
                              {"duration_ms", elapsed.count()}};
    if (value) {
        details["result"]["value"] = value->text;
        if (value->cut) details["result"]["value_cut"] = true;
    }
    // Only a failure can have committed "before" it: a completed run committed everything.
    put_notes(details, RunNotes{notes.warnings, notes.warnings_left_out, false});
    return {LifecycleAction::complete, dump(details)};
}

RunOutcome failed_run(const RunError& error, bool stop_requested, Millis elapsed, Millis timeout,
                      const RunNotes& notes) {
    nlohmann::json details = {{"error", error.message.empty() ? "unknown error" : error.message},
                              {"duration_ms", elapsed.count()}};
    put_if_set(details, "sqlstate", error.sqlstate);
    put_if_set(details, "detail", error.detail);
    put_if_set(details, "hint", error.hint);
    put_if_set(details, "context", error.context);
    put_notes(details, notes);
    if (error.sqlstate != query_canceled) return {LifecycleAction::fail, dump(details)};
    if (!stop_requested && timeout.count() > 0 && elapsed >= timeout) {
        details["timed_out"] = true;
        details["timeout_ms"] = timeout.count();
        return {LifecycleAction::fail, dump(details)};
    }
    details["canceled_by"] = stop_requested ? "cadence.cancel_job" : "pg_cancel_backend";
    return {LifecycleAction::cancel, dump(details)};
}

RunError open_transaction_error() {
    return RunError{"25001",
                    "the job's SQL ended inside a transaction block it opened; that transaction was rolled back",
                    "A BEGIN (or START TRANSACTION) had no COMMIT or ROLLBACK before the end of the body.",
                    "End the body with COMMIT, or leave out BEGIN: the statements of a body run in "
                    "one transaction by themselves.",
                    ""};
}

std::string lost_run_details() {
    nlohmann::json details = {
        {"error", "the executor running this job ended during the run (server crash, restart "
                  "or termination); what the run had not committed was rolled back"},
        {"executor_lost", true}};
    return dump(details);
}

std::string unrecorded_run_details(const std::string& why) {
    nlohmann::json details = {{"error", "how the run ended could not be recorded: " + why},
                              {"executor_lost", true}};
    return dump(details);
}

RunOutcome forced_stop(ForcedStop why, Millis elapsed, Millis timeout, Millis grace) {
    bool timed_out = why == ForcedStop::timeout;
    nlohmann::json details = {
        {"error", std::string(timed_out ? "the run went on past its timeout" : "the run went on after its cancel") +
                      " for " + std::to_string(grace.count()) +
                      " ms (cadence.run_stop_grace); its executor was ended, and what the run had "
                      "not committed was rolled back"},
        {"sqlstate", std::string(query_canceled)},
        {"duration_ms", elapsed.count()},
        {"ended_by_force", true}};
    if (!timed_out) {
        details["canceled_by"] = "cadence.cancel_job";
        return {LifecycleAction::cancel, dump(details)};
    }
    details["timed_out"] = true;
    details["timeout_ms"] = timeout.count();
    return {LifecycleAction::fail, dump(details)};
}

}  // namespace cadence::core
