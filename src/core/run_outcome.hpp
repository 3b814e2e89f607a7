// What an executor records when a SQL run ends: the action it applies to the job
// (complete, fail or cancel) and the details kept in the event log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cadence::core {

using Millis = std::chrono::milliseconds;

struct RunOutcome {
    std::string action;   // "complete", "fail" or "cancel" (see job_state.hpp)
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

// The SQL ran and committed: its last statement's command tag and row count.
RunOutcome completed_run(std::string_view command, std::uint64_t rows, Millis elapsed);

// The SQL failed. A query cancel (57014) after at least `timeout` is the statement
// timeout: a failure, retried by the job's rules. Any other query cancel was asked
// for (cadence.cancel_job when `stop_requested`, else pg_cancel_backend) and
// cancels the run. Everything else fails the run.
RunOutcome failed_run(const RunError& error, bool stop_requested, Millis elapsed, Millis timeout);

// The executor that held the run ended during it (a crash, a restart or its
// termination): the run's transaction was rolled back.
std::string lost_run_details();

}  // namespace cadence::core
