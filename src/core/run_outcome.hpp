// What an executor records when a SQL run ends: the action it applies to the job
// (complete, fail or cancel) and the details kept in the event log.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/job_lifecycle.hpp"

namespace cadence::core {

using Millis = std::chrono::milliseconds;

struct RunOutcome {
    LifecycleAction action;  // complete, fail or cancel
    std::string details;  // a JSON object
};

// The error a run's SQL raised, as PostgreSQL reported it (empty strings for absent parts).
struct RunError {
    std::string sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;
};

// What a run said besides its result, kept with how it ended.
struct RunNotes {
    // WARNINGs it raised, as psql would print them (VACUUM of a table its owner
    // may not vacuum: "permission denied to vacuum ..., skipping it"), oldest first.
    std::vector<std::string> warnings;
    std::uint64_t warnings_left_out = 0;  // beyond those kept
    // A failed body had committed some of its work before the error (a COMMIT of
    // its own, a procedure's, a multi-transaction command): that work stays.
    bool committed_before_error = false;
};

// At most this many warnings are kept, each cut to max_warning_bytes.
inline constexpr std::size_t max_warnings = 10;
inline constexpr std::size_t max_warning_bytes = 500;

// What the last statement returned when it was one row of one column (as text,
// cut to its first bytes when `cut`): a count, a function's result.
struct RunValue {
    std::string text;
    bool cut = false;
};

// The SQL ran and committed: its last statement's command tag and row count, and
// its value when it returned one.
RunOutcome completed_run(std::string_view command, std::uint64_t rows, Millis elapsed,
                         const RunNotes& notes = {}, const std::optional<RunValue>& value = std::nullopt);

// The SQL failed. A query cancel (57014) after at least `timeout` is the statement
// timeout: a failure, retried by the job's rules. Any other query cancel was asked
// for (cadence.cancel_job when `stop_requested`, else pg_cancel_backend) and
// cancels the run. Everything else fails the run.
RunOutcome failed_run(const RunError& error, bool stop_requested, Millis elapsed, Millis timeout,
                      const RunNotes& notes = {});

// The body ended inside a transaction block it opened (BEGIN without COMMIT):
// as when psql -c ends there, that transaction was rolled back (SQLSTATE 25001).
RunError open_transaction_error();

// The executor that held the run ended during it (a crash, a restart or its
// termination): what the run had not committed was rolled back.
std::string lost_run_details();

// The executor could not record how the run ended (`why`: the error, twice) and
// ended itself, so that the run does not stay running with nobody running it.
std::string unrecorded_run_details(const std::string& why);

// Why a run was ended by force: it went on past its timeout or its cancel for
// longer than the grace (cadence.run_stop_grace).
enum class ForcedStop { timeout, cancel };

// The run went on `grace` past its timeout or its cancel (its SQL caught the
// cancel, or did not look at it) and its executor was ended: the action recorded
// (a timeout fails the run by the job's retry rules; a cancel cancels it) and why.
RunOutcome forced_stop(ForcedStop why, Millis elapsed, Millis timeout, Millis grace);

}  // namespace cadence::core
