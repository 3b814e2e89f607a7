// The job lifecycle: what each action does to a job's row, its events and its timer.
#include "core/job_lifecycle.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace cadence::core {
namespace {

using testing::at;
using enum JobStatus;
using std::chrono::minutes;
using std::chrono::seconds;

const Trigger every_minute = make_interval(minutes(1), std::nullopt);
const Trigger once_trigger = make_once(at("2026-06-01T12:00:00Z"));

JobRow job(JobStatus status, const Trigger& trigger = every_minute) {
    JobRow row;
    row.job_id = 7;
    row.status = status;
    row.attempt = 1;
    row.max_attempts = 3;
    row.trigger = &trigger;
    row.created_at = at("2026-06-01T12:00:00Z");
    row.fire_base = at("2026-06-01T12:01:00Z");
    row.fire_time = at("2026-06-01T12:01:00Z");
    row.backoff = seconds(10);
    return row;
}

ActionInput input(LifecycleAction action, std::string_view worker = {}) {
    ActionInput in;
    in.action = action;
    in.worker = worker;
    in.now = at("2026-06-01T12:05:30Z");
    in.clock = at("2026-06-01T12:05:30.5Z");
    in.unit_random = 0.5;  // no jitter
    return in;
}

std::string refusal(const JobRow& row, const ActionInput& in) {
    try {
        apply_action(row, in);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::wrong_state);
        return e.what();
    }
    return "(allowed)";
}

TEST(JobLifecycle, ActionNamesRoundTrip) {
    for (int a = 0; a <= static_cast<int>(LifecycleAction::remove); ++a)
        EXPECT_EQ(parse_lifecycle_action(to_string(static_cast<LifecycleAction>(a))),
                  static_cast<LifecycleAction>(a));
    EXPECT_EQ(parse_lifecycle_action("explode"), std::nullopt);
}

TEST(JobLifecycle, CreateSchedulesTheFirstTickAfterCreation) {
    JobRow row = job(scheduled);
    row.fire_base.reset();
    row.fire_time.reset();
    auto r = apply_action(row, input(LifecycleAction::create));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "scheduled");
    EXPECT_EQ(r.events[0].reason, "created");
    EXPECT_EQ(r.events[0].run_at, at("2026-06-01T12:01:00Z"));
    EXPECT_EQ(r.after.run_at, at("2026-06-01T12:01:00Z"));
    EXPECT_EQ(r.after.fire_base, at("2026-06-01T12:01:00Z"));
    ASSERT_TRUE(r.timer);
    EXPECT_EQ(r.timer->kind, TimerKind::due);
    EXPECT_EQ(r.timer->at, at("2026-06-01T12:01:00Z"));
    EXPECT_EQ(event_details_json(r.events[0]),
              R"({"reason":"created","run_at":"2026-06-01T12:01:00Z"})");
}

TEST(JobLifecycle, CreateOfAOnceJobIsDueAtItsTimeEvenIfPast) {
    auto r = apply_action(job(scheduled, once_trigger), input(LifecycleAction::create));
    EXPECT_EQ(r.after.run_at, at("2026-06-01T12:00:00Z"));
}

TEST(JobLifecycle, ClaimHoldsTheRunWithALease) {
    ActionInput in = input(LifecycleAction::claim, "w1");
    in.lease = minutes(5);
    JobRow row = job(scheduled);
    row.run_at = at("2026-06-01T12:05:00Z");
    auto r = apply_action(row, in);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "running");
    EXPECT_EQ(r.events[0].worker, "w1");
    EXPECT_EQ(r.after.worker, "w1");
    EXPECT_EQ(r.after.run_at, std::nullopt);
    EXPECT_EQ(r.after.lease_expires_at, in.clock + minutes(5));
    EXPECT_EQ(r.after.heartbeat_at, in.clock);
    ASSERT_TRUE(r.timer);
    EXPECT_EQ(r.timer->kind, TimerKind::lease);
    EXPECT_EQ(event_details_json(r.events[0]), R"({"reason":"claim","worker":"w1"})");
}

TEST(JobLifecycle, ExecutorClaimsHaveNoLeaseAndNoTimer) {
    JobRow row = job(scheduled);
    row.external = false;
    auto r = apply_action(row, input(LifecycleAction::claim, "executor 1"));
    EXPECT_EQ(r.after.lease_expires_at, std::nullopt);
    EXPECT_FALSE(r.timer);
}

TEST(JobLifecycle, HeartbeatMovesTheLeaseWithoutAnEventOrANewTimer) {
    JobRow row = job(running);
    row.worker = "w1";
    row.lease = minutes(5);
    row.lease_expires_at = at("2026-06-01T12:06:00Z");
    row.timer = JobTimer{at("2026-06-01T12:06:00Z"), TimerKind::lease};
    ActionInput in = input(LifecycleAction::heartbeat, "w1");
    in.progress = 40.0f;
    auto r = apply_action(row, in);
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(r.after.lease_expires_at, in.clock + minutes(5));
    EXPECT_EQ(r.after.progress, 40.0f);
    EXPECT_EQ(r.timer, row.timer);
    EXPECT_EQ(refusal(row, input(LifecycleAction::heartbeat, "w2")), "job 7 is held by worker \"w1\", not \"w2\"");
}

TEST(JobLifecycle, EventsThatEndARunNameTheWorkerThatHeldIt) {
    JobRow row = job(running);
    row.worker = "w1";
    for (auto action : {LifecycleAction::complete, LifecycleAction::fail}) {
        auto r = apply_action(row, input(action, "w1"));
        ASSERT_FALSE(r.events.empty());
        EXPECT_EQ(r.events[0].worker, "w1");
        EXPECT_EQ(r.after.worker, "") << "the run is over: nobody holds the job";
    }
    auto canceled = apply_action(row, input(LifecycleAction::cancel, ""));
    ASSERT_FALSE(canceled.events.empty());
    EXPECT_EQ(canceled.events[0].worker, "w1");
    EXPECT_NE(event_details_json(canceled.events[0]).find(R"("worker":"w1")"), std::string::npos);
    // Not running before: no worker.
    auto not_running = apply_action(job(scheduled), input(LifecycleAction::cancel, ""));
    ASSERT_FALSE(not_running.events.empty());
    EXPECT_EQ(not_running.events[0].worker, "");
}

TEST(JobLifecycle, CompleteOfAPeriodicJobSetsItsFireTimer) {
    JobRow row = job(running);
    row.worker = "w1";
    auto r = apply_action(row, input(LifecycleAction::complete, "w1"));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "completed");
    EXPECT_EQ(r.after.worker, "");
    ASSERT_TRUE(r.timer);
    EXPECT_EQ(r.timer->kind, TimerKind::fire);
    EXPECT_EQ(r.timer->at, at("2026-06-01T12:02:00Z"));  // the first tick after the fire base
}

TEST(JobLifecycle, FailRetriesAfterBackoffThenGivesUp) {
    JobRow row = job(running);
    row.worker = "w1";
    auto r = apply_action(row, input(LifecycleAction::fail, "w1"));
    EXPECT_EQ(r.events[0].event, "error");
    EXPECT_EQ(r.after.run_at, at("2026-06-01T12:05:40Z"));  // now + 10 s (jitter 1.0)
    row.attempt = 3;
    r = apply_action(row, input(LifecycleAction::fail, "w1"));
    EXPECT_EQ(r.events[0].event, "fatal");
    EXPECT_EQ(r.after.run_at, std::nullopt);
}

TEST(JobLifecycle, TickExpiresALeaseWithTheWorkerNamed) {
    JobRow row = job(running);
    row.worker = "w1";
    row.lease_expires_at = at("2026-06-01T12:05:00Z");
    auto r = apply_action(row, input(LifecycleAction::tick));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "error");
    EXPECT_EQ(r.events[0].reason, "lease_expired");
    EXPECT_EQ(r.events[0].error, "lease expired: worker w1 sent no heartbeat");
    // An unexpired lease, and an executor's run, need nothing.
    row.lease_expires_at = at("2026-06-01T12:06:00Z");
    EXPECT_TRUE(apply_action(row, input(LifecycleAction::tick)).events.empty());
    row.external = false;
    row.lease_expires_at = at("2026-06-01T12:05:00Z");
    EXPECT_TRUE(apply_action(row, input(LifecycleAction::tick)).events.empty());
}

TEST(JobLifecycle, TickFiresOnceAfterMissedTicks) {
    auto r = apply_action(job(completed), input(LifecycleAction::tick));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "scheduled");
    EXPECT_EQ(r.events[0].reason, "fire");
    EXPECT_EQ(r.events[0].fire_time, at("2026-06-01T12:02:00Z"));  // the first missed tick
    EXPECT_EQ(r.after.run_at, at("2026-06-01T12:05:30Z"));        // due now
    // Late: the next tick is the first after the moment it fired.
    EXPECT_EQ(r.after.fire_base, at("2026-06-01T12:05:30Z"));
    EXPECT_EQ(r.timer->kind, TimerKind::due);
}

TEST(JobLifecycle, TickFromErrorAbandonsTheRetryAtTheNextTick) {
    JobRow row = job(error);
    row.attempt = 2;
    row.run_at = at("2026-06-01T12:09:00Z");  // the retry comes after the tick
    auto r = apply_action(row, input(LifecycleAction::tick));
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].event, "fatal");
    EXPECT_EQ(r.events[0].attempt, 2);
    EXPECT_EQ(r.events[1].event, "scheduled");
    EXPECT_EQ(r.events[1].attempt, 1);
}

TEST(JobLifecycle, TickRetriesWhenTheRetryComesFirst) {
    JobRow row = job(error);
    row.fire_base = at("2026-06-01T12:05:00Z");  // next tick 12:06
    row.run_at = at("2026-06-01T12:05:20Z");
    auto r = apply_action(row, input(LifecycleAction::tick));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "scheduled");
    EXPECT_EQ(r.events[0].attempt, 2);
    EXPECT_EQ(r.events[0].reason, "retry");
}

TEST(JobLifecycle, TickWithNothingDueOnlyRecomputesTheTimer) {
    JobRow row = job(completed);
    row.fire_base = at("2026-06-01T12:05:00Z");
    auto r = apply_action(row, input(LifecycleAction::tick));
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(r.timer, (JobTimer{at("2026-06-01T12:06:00Z"), TimerKind::fire}));
    JobRow paused = job(completed);
    paused.paused = true;
    EXPECT_TRUE(apply_action(paused, input(LifecycleAction::tick)).events.empty());
}

TEST(JobLifecycle, PauseAndResume) {
    auto r = apply_action(job(completed), input(LifecycleAction::pause));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "paused");
    EXPECT_EQ(r.events[0].status, "completed");
    EXPECT_TRUE(r.after.paused);
    EXPECT_FALSE(r.timer);
    EXPECT_EQ(event_details_json(r.events[0]), "");
    auto again = apply_action(r.after, input(LifecycleAction::pause));
    EXPECT_TRUE(again.events.empty());
    EXPECT_EQ(again.notice, "job 7 is already paused");
    EXPECT_TRUE(again.after.paused);
    auto not_paused = apply_action(job(completed), input(LifecycleAction::resume));
    EXPECT_TRUE(not_paused.events.empty());
    EXPECT_EQ(not_paused.notice, "job 7 is not paused");
    auto resumed = apply_action(r.after, input(LifecycleAction::resume));
    EXPECT_EQ(resumed.events[0].event, "resumed");
    EXPECT_EQ(resumed.timer->kind, TimerKind::fire);
}

TEST(JobLifecycle, RetriggerMovesAFirstRunStillWaiting) {
    JobRow row = job(scheduled);
    row.run_at = at("2026-06-01T12:01:00Z");
    auto r = apply_action(row, input(LifecycleAction::retrigger));
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].event, "altered");
    EXPECT_EQ(r.events[1].event, "scheduled");
    EXPECT_FALSE(r.events[1].with_caller_details);
    EXPECT_EQ(r.after.run_at, at("2026-06-01T12:06:30Z"));  // anchored at now
    // A retry, or a plain alter, keeps the run where it is.
    row.attempt = 2;
    EXPECT_EQ(apply_action(row, input(LifecycleAction::retrigger)).events.size(), 1u);
    row.attempt = 1;
    EXPECT_EQ(apply_action(row, input(LifecycleAction::alter)).events.size(), 1u);
}

TEST(JobLifecycle, RemoveAppendsDeletedAndNeedsNoTimer) {
    auto r = apply_action(job(running), input(LifecycleAction::remove));
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].event, "deleted");
    EXPECT_EQ(r.events[0].status, "deleted");
    EXPECT_TRUE(r.removed);
    EXPECT_FALSE(r.timer);
}

TEST(JobLifecycle, IllegalMovesSayWhy) {
    EXPECT_EQ(refusal(job(completed), input(LifecycleAction::cancel)),
              "job 7 is already completed; only a scheduled or running job can be canceled");
    EXPECT_EQ(refusal(job(scheduled), input(LifecycleAction::complete, "w1")),
              "job 7 is scheduled; only a running job can be given a result (complete)");
}

TEST(JobLifecycle, DetailsAreEscapedJson) {
    LifecycleEvent e;
    e.reason = "lease_expired";
    e.error = "worker \"a\"\nsent none";
    EXPECT_EQ(event_details_json(e), R"({"reason":"lease_expired","error":"worker \"a\"\nsent none"})");
}

}  // namespace
}  // namespace cadence::core
