#include "core/run_outcome.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cadence::core {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

RunError error(std::string sqlstate, std::string message) {
    return RunError{std::move(sqlstate), std::move(message), "", "", ""};
}

TEST(RunOutcome, CompletedKeepsTheCommandTagAndRows) {
    auto outcome = completed_run("INSERT", 3, 12ms);
    EXPECT_EQ(outcome.action, LifecycleAction::complete);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["result"]["command"], "INSERT");
    EXPECT_EQ(details["result"]["rows"], 3);
    EXPECT_EQ(details["duration_ms"], 12);
}

TEST(RunOutcome, AnErrorFailsTheRunWithEveryPartPostgresGave) {
    RunError e{"22012", "division by zero", "the detail", "the hint", "PL/pgSQL function f() line 3"};
    auto outcome = failed_run(e, false, 5ms, 1000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::fail);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["error"], "division by zero");
    EXPECT_EQ(details["sqlstate"], "22012");
    EXPECT_EQ(details["detail"], "the detail");
    EXPECT_EQ(details["hint"], "the hint");
    EXPECT_EQ(details["context"], "PL/pgSQL function f() line 3");
    EXPECT_FALSE(details.contains("timed_out"));
}

TEST(RunOutcome, AbsentPartsAreLeftOut) {
    auto details = json::parse(failed_run(error("42P01", "relation \"x\" does not exist"), false, 1ms, 0ms).details);
    EXPECT_FALSE(details.contains("detail"));
    EXPECT_FALSE(details.contains("hint"));
    EXPECT_FALSE(details.contains("context"));
    EXPECT_EQ(json::parse(failed_run(error("XX000", ""), false, 1ms, 0ms).details)["error"], "unknown error");
}

TEST(RunOutcome, ACancelAfterTheTimeoutIsTheStatementTimeout) {
    auto outcome = failed_run(error("57014", "canceling statement due to statement timeout"), false, 1000ms, 1000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::fail);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["timed_out"], true);
    EXPECT_EQ(details["timeout_ms"], 1000);
}

TEST(RunOutcome, ACancelBeforeTheTimeoutCancelsTheRun) {
    auto outcome = failed_run(error("57014", "canceling statement due to user request"), false, 200ms, 1000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::cancel);
    EXPECT_EQ(json::parse(outcome.details)["canceled_by"], "pg_cancel_backend");
    outcome = failed_run(error("57014", "canceling statement due to user request"), false, 200ms, 0ms);
    EXPECT_EQ(outcome.action, LifecycleAction::cancel);
}

TEST(RunOutcome, ACancelAskedForThroughCadenceIsNeverATimeout) {
    auto outcome = failed_run(error("57014", "canceling statement due to user request"), true, 5000ms, 1000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::cancel);
    EXPECT_EQ(json::parse(outcome.details)["canceled_by"], "cadence.cancel_job");
}

TEST(RunOutcome, OtherErrorsAfterTheTimeoutAreStillFailures) {
    auto outcome = failed_run(error("55P03", "could not obtain lock"), true, 5000ms, 1000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::fail);
    EXPECT_FALSE(json::parse(outcome.details).contains("timed_out"));
}

TEST(RunOutcome, TextThatIsNotUtf8NeverThrowsAndTheJsonIsAscii) {
    RunError e{"22021", std::string("bad \xe9 byte"), std::string("caf\xc3\xa9"), "", ""};
    auto outcome = failed_run(e, false, 1ms, 0ms);
    for (char c : outcome.details) EXPECT_LT(static_cast<unsigned char>(c), 0x80u);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["detail"], "caf\xc3\xa9");
    EXPECT_NE(details["error"].get<std::string>().find("bad "), std::string::npos);
}

TEST(RunOutcome, WarningsAreKeptWithACompletedRun) {
    RunNotes notes;
    notes.warnings = {"permission denied to vacuum \"vt\", skipping it"};
    notes.committed_before_error = true;  // never said of a completed run
    auto details = json::parse(completed_run("VACUUM", 0, 3ms, notes).details);
    EXPECT_EQ(details["warnings"], json::array({"permission denied to vacuum \"vt\", skipping it"}));
    EXPECT_FALSE(details.contains("warnings_left_out"));
    EXPECT_FALSE(details.contains("committed_before_error"));
    EXPECT_FALSE(json::parse(completed_run("SELECT", 1, 1ms).details).contains("warnings"));
}

TEST(RunOutcome, AFailureSaysWhatWasCommittedBeforeItAndHowManyWarningsWereLeftOut) {
    RunNotes notes;
    notes.warnings = {"first"};
    notes.warnings_left_out = 4;
    notes.committed_before_error = true;
    auto outcome = failed_run(error("23505", "duplicate key value"), false, 1ms, 0ms, notes);
    EXPECT_EQ(outcome.action, LifecycleAction::fail);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["committed_before_error"], true);
    EXPECT_EQ(details["warnings"], json::array({"first"}));
    EXPECT_EQ(details["warnings_left_out"], 4);
    EXPECT_FALSE(json::parse(failed_run(error("23505", "x"), false, 1ms, 0ms).details).contains("committed_before_error"));
}

TEST(RunOutcome, ABodyLeftInsideItsOwnTransactionBlockFailsWithSqlstate25001) {
    auto outcome = failed_run(open_transaction_error(), false, 1ms, 0ms);
    EXPECT_EQ(outcome.action, LifecycleAction::fail);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["sqlstate"], "25001");
    EXPECT_NE(details["error"].get<std::string>().find("rolled back"), std::string::npos);
    EXPECT_NE(details["hint"].get<std::string>().find("COMMIT"), std::string::npos);
}

TEST(RunOutcome, ALostRunSaysWhy) {
    auto details = json::parse(lost_run_details());
    EXPECT_EQ(details["executor_lost"], true);
    EXPECT_NE(details["error"].get<std::string>().find("ended during the run"), std::string::npos);
}

TEST(RunOutcome, AOneValueResultIsKept) {
    auto details = json::parse(completed_run("SELECT", 1, 3ms, {}, RunValue{"1234", false}).details);
    EXPECT_EQ(details["result"]["value"], "1234");
    EXPECT_FALSE(details["result"].contains("value_cut"));
    auto cut = json::parse(completed_run("SELECT", 1, 3ms, {}, RunValue{"xxx", true}).details);
    EXPECT_EQ(cut["result"]["value_cut"], true);
    EXPECT_FALSE(json::parse(completed_run("SELECT", 2, 3ms).details)["result"].contains("value"));
}

TEST(RunOutcome, ARunWhoseEndingCouldNotBeRecordedSaysWhy) {
    auto details = json::parse(unrecorded_run_details("value too long for type character varying(3)"));
    EXPECT_EQ(details["error"], "how the run ended could not be recorded: value too long for type character varying(3)");
    EXPECT_EQ(details["executor_lost"], true);
}

TEST(RunOutcome, ARunEndedByForcePastItsTimeoutFailsAsTimedOut) {
    auto outcome = forced_stop(ForcedStop::timeout, 6100ms, 1000ms, 5000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::fail);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["timed_out"], true);
    EXPECT_EQ(details["timeout_ms"], 1000);
    EXPECT_EQ(details["duration_ms"], 6100);
    EXPECT_EQ(details["ended_by_force"], true);
    EXPECT_EQ(details["sqlstate"], "57014");
    EXPECT_NE(details["error"].get<std::string>().find("past its timeout for 5000 ms"), std::string::npos);
    EXPECT_FALSE(details.contains("canceled_by"));
}

TEST(RunOutcome, ARunEndedByForceAfterItsCancelIsCanceled) {
    auto outcome = forced_stop(ForcedStop::cancel, 7000ms, 0ms, 2000ms);
    EXPECT_EQ(outcome.action, LifecycleAction::cancel);
    auto details = json::parse(outcome.details);
    EXPECT_EQ(details["canceled_by"], "cadence.cancel_job");
    EXPECT_EQ(details["ended_by_force"], true);
    EXPECT_FALSE(details.contains("timed_out"));
    EXPECT_NE(details["error"].get<std::string>().find("after its cancel for 2000 ms"), std::string::npos);
}

}  // namespace
}  // namespace cadence::core
