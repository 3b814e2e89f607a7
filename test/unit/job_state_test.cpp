// The job state machine: every action from every state.
#include "core/job_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cadence::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using enum JobStatus;

JobState state(JobStatus status, int attempt = 1, int max_attempts = 3, bool paused = false,
               std::string worker = {}) {
    return JobState{42, status, attempt, max_attempts, paused, std::move(worker)};
}

std::string refusal(const JobState& s, JobAction action, std::string_view worker = {}) {
    try {
        transition(s, action, worker);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::wrong_state);
        return e.what();
    }
    return "(allowed)";
}

TEST(JobState, NamesRoundTrip) {
    for (JobStatus s : {scheduled, running, completed, error, fatal, canceled})
        EXPECT_EQ(parse_status(to_string(s)), s);
    EXPECT_EQ(parse_status("deleted"), std::nullopt);
    for (int a = 0; a <= static_cast<int>(JobAction::retry); ++a)
        EXPECT_EQ(parse_action(to_string(static_cast<JobAction>(a))), static_cast<JobAction>(a));
    EXPECT_EQ(parse_action("explode"), std::nullopt);
}

TEST(JobState, TerminalStates) {
    EXPECT_FALSE(is_terminal(scheduled));
    EXPECT_FALSE(is_terminal(running));
    for (JobStatus s : {completed, error, fatal, canceled}) EXPECT_TRUE(is_terminal(s));
}

TEST(JobState, AStreamOfOneJobEndsOnCompletedFatalCanceledOrDeleted) {
    for (auto s : {"completed", "fatal", "canceled", "deleted"}) EXPECT_TRUE(ends_job_stream(s)) << s;
    // error is followed by a retry or a fatal; paused and the rest are events, not statuses.
    for (auto s : {"scheduled", "running", "error", "paused", "altered", ""}) EXPECT_FALSE(ends_job_stream(s)) << s;
    EXPECT_EQ(deleted_status, "deleted");
}

TEST(JobState, ClaimTakesAScheduledRun) {
    EXPECT_THAT(transition(state(scheduled, 2), JobAction::claim, "w1"),
                ElementsAre(JobStep{running, 2}));
    EXPECT_EQ(refusal(state(scheduled, 1, 3, true), JobAction::claim, "w1"),
              "job 42 is paused; it cannot be claimed");
    EXPECT_EQ(refusal(state(running, 1, 3, false, "w0"), JobAction::claim, "w1"),
              "job 42 is running; only a scheduled job can be claimed");
    EXPECT_EQ(refusal(state(completed), JobAction::claim, "w1"),
              "job 42 is completed; only a scheduled job can be claimed");
    EXPECT_EQ(refusal(state(scheduled), JobAction::claim, ""), "a worker name must not be empty");
}

TEST(JobState, OnlyTheHolderReports) {
    JobState held = state(running, 1, 3, false, "w1");
    EXPECT_THAT(transition(held, JobAction::heartbeat, "w1"), IsEmpty());
    EXPECT_THAT(transition(held, JobAction::complete, "w1"), ElementsAre(JobStep{completed, 1}));
    EXPECT_EQ(refusal(held, JobAction::complete, "w2"),
              "job 42 is held by worker \"w1\", not \"w2\"");
    EXPECT_EQ(refusal(held, JobAction::heartbeat, "w2"),
              "job 42 is held by worker \"w1\", not \"w2\"");
    EXPECT_EQ(refusal(state(canceled), JobAction::complete, "w1"),
              "job 42 is canceled; only a running job can be given a result (complete)");
    EXPECT_EQ(refusal(state(scheduled), JobAction::heartbeat, "w1"),
              "job 42 is scheduled; only a running job can be given a heartbeat (heartbeat)");
}

TEST(JobState, FailureRetriesWhileAttemptsRemain) {
    EXPECT_THAT(transition(state(running, 1, 3, false, "w"), JobAction::fail, "w"),
                ElementsAre(JobStep{error, 1}));
    EXPECT_THAT(transition(state(running, 2, 3, false, "w"), JobAction::fail, "w"),
                ElementsAre(JobStep{error, 2}));
    EXPECT_THAT(transition(state(running, 3, 3, false, "w"), JobAction::fail, "w"),
                ElementsAre(JobStep{fatal, 3}));
    EXPECT_THAT(transition(state(running, 1, 1, false, "w"), JobAction::fail, "w"),
                ElementsAre(JobStep{fatal, 1}));
    EXPECT_EQ(refusal(state(running, 1, 3, false, "w"), JobAction::fail, "x"),
              "job 42 is held by worker \"w\", not \"x\"");
}

TEST(JobState, LeaseExpiryIsAFailure) {
    EXPECT_THAT(transition(state(running, 1, 2, false, "w"), JobAction::lease_expired),
                ElementsAre(JobStep{error, 1}));
    EXPECT_THAT(transition(state(running, 2, 2, false, "w"), JobAction::lease_expired),
                ElementsAre(JobStep{fatal, 2}));
    EXPECT_EQ(refusal(state(completed), JobAction::lease_expired),
              "job 42 is completed; only a running job can fail");
}

TEST(JobState, CancelOnlyPendingOrRunning) {
    EXPECT_THAT(transition(state(scheduled, 2), JobAction::cancel), ElementsAre(JobStep{canceled, 2}));
    EXPECT_THAT(transition(state(running, 1, 3, false, "w"), JobAction::cancel),
                ElementsAre(JobStep{canceled, 1}));
    EXPECT_THAT(transition(state(scheduled, 1, 3, true), JobAction::cancel),
                ElementsAre(JobStep{canceled, 1}));
    for (JobStatus s : {completed, error, fatal, canceled}) {
        std::string phrase = s == error ? "in error" : std::string(to_string(s));
        EXPECT_EQ(refusal(state(s), JobAction::cancel),
                  "job 42 is already " + phrase + "; only a scheduled or running job can be canceled");
    }
}

TEST(JobState, RunNow) {
    EXPECT_THAT(transition(state(completed, 3), JobAction::run_now), ElementsAre(JobStep{scheduled, 1}));
    EXPECT_THAT(transition(state(fatal, 3), JobAction::run_now), ElementsAre(JobStep{scheduled, 1}));
    EXPECT_THAT(transition(state(canceled, 2), JobAction::run_now), ElementsAre(JobStep{scheduled, 1}));
    EXPECT_THAT(transition(state(error, 2), JobAction::run_now), ElementsAre(JobStep{scheduled, 3}));
    EXPECT_THAT(transition(state(scheduled, 2), JobAction::run_now), ElementsAre(JobStep{scheduled, 2}));
    EXPECT_EQ(refusal(state(running, 1, 3, false, "w"), JobAction::run_now),
              "job 42 is running; it cannot be run again until it ends");
    EXPECT_EQ(refusal(state(completed, 1, 3, true), JobAction::run_now), "job 42 is paused");
}

TEST(JobState, FireFromTerminalStates) {
    EXPECT_THAT(transition(state(error, 2), JobAction::fire),
                ElementsAre(JobStep{fatal, 2}, JobStep{scheduled, 1}));
    for (JobStatus s : {completed, fatal, canceled})
        EXPECT_THAT(transition(state(s, 3), JobAction::fire), ElementsAre(JobStep{scheduled, 1}));
    EXPECT_EQ(refusal(state(scheduled), JobAction::fire),
              "job 42 is scheduled; a pending or running run is never fired again");
    EXPECT_EQ(refusal(state(running, 1, 3, false, "w"), JobAction::fire),
              "job 42 is running; a pending or running run is never fired again");
    EXPECT_EQ(refusal(state(completed, 1, 3, true), JobAction::fire),
              "job 42 is paused; its trigger does not fire");
}

TEST(JobState, RetryFromError) {
    EXPECT_THAT(transition(state(error, 1, 3), JobAction::retry), ElementsAre(JobStep{scheduled, 2}));
    EXPECT_EQ(refusal(state(error, 3, 3), JobAction::retry), "job 42 has no attempts left (3 of 3)");
    EXPECT_EQ(refusal(state(completed), JobAction::retry), "job 42 is completed; only a job in error is retried");
    EXPECT_EQ(refusal(state(error, 1, 3, true), JobAction::retry), "job 42 is paused; it is not retried");
}

}  // namespace
}  // namespace cadence::core
