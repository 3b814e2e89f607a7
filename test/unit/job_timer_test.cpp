#include "core/job_timer.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace cadence::core {
namespace {

using namespace std::chrono_literals;
using testing::at;

const Instant created = at("2026-11-24T10:00:00Z");

JobTimerInput input(JobStatus status, const Trigger& trigger) {
    return JobTimerInput{status, false, true, &trigger, created, std::nullopt, std::nullopt,
                         std::nullopt};
}

TEST(JobTimer, FirstFireIsTheOnceTimeOrTheFirstTickAfter) {
    EXPECT_EQ(first_fire(make_once(at("2020-01-01T00:00:00Z")), created), at("2020-01-01T00:00:00Z"));
    EXPECT_EQ(first_fire(make_interval(60s, std::nullopt), created), created + 60s);
    EXPECT_EQ(first_fire(make_interval(60s, at("2026-11-24T09:59:30Z")), created), at("2026-11-24T10:00:30Z"));
    EXPECT_EQ(first_fire(make_cron("0 12 * * *", "UTC"), created), at("2026-11-24T12:00:00Z"));
}

TEST(JobTimer, ScheduledRunsWakeWorkersWhenDue) {
    Trigger once = make_once(at("2026-11-24T12:00:00Z"));
    auto job = input(JobStatus::scheduled, once);
    job.run_at = at("2026-11-24T12:00:00Z");
    EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-24T12:00:00Z"), TimerKind::due}));
}

TEST(JobTimer, RunningExternalRunsExpireWithTheirLease) {
    Trigger every = make_interval(60s, std::nullopt);
    auto job = input(JobStatus::running, every);
    job.lease_expires_at = at("2026-11-24T10:05:00Z");
    EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-24T10:05:00Z"), TimerKind::lease}));
    job.external = false;  // SQL runs are watched by their executor
    EXPECT_EQ(job_timer(job), std::nullopt);
}

TEST(JobTimer, EndedPeriodicJobsFireAtTheNextTick) {
    Trigger every = make_interval(60s, std::nullopt);
    for (JobStatus s : {JobStatus::completed, JobStatus::fatal, JobStatus::canceled}) {
        auto job = input(s, every);
        job.fire_base = at("2026-11-24T10:03:00Z");
        EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-24T10:04:00Z"), TimerKind::fire}));
    }
    auto first = input(JobStatus::completed, every);  // no fire yet: ticks after creation
    EXPECT_EQ(job_timer(first), (JobTimer{at("2026-11-24T10:01:00Z"), TimerKind::fire}));
}

TEST(JobTimer, LateFiresFollowTicksFromWhenTheyFired) {
    Trigger every = make_interval(60s, std::nullopt);
    auto job = input(JobStatus::completed, every);
    job.fire_base = at("2026-11-24T10:30:17Z");  // fired 17 s late, after downtime
    EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-24T10:31:00Z"), TimerKind::fire}));
}

TEST(JobTimer, ErrorRetriesBeforeTheNextTickOrFiresAtIt) {
    Trigger every = make_interval(60s, std::nullopt);
    auto job = input(JobStatus::error, every);
    job.fire_base = at("2026-11-24T10:00:00Z");
    job.run_at = at("2026-11-24T10:00:20Z");
    EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-24T10:00:20Z"), TimerKind::retry}));
    job.run_at = at("2026-11-24T10:05:00Z");
    EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-24T10:01:00Z"), TimerKind::fire}));
    Trigger once = make_once(created);
    auto single = input(JobStatus::error, once);
    single.run_at = at("2026-11-24T10:05:00Z");
    EXPECT_EQ(job_timer(single), (JobTimer{at("2026-11-24T10:05:00Z"), TimerKind::retry}));
}

TEST(JobTimer, NoTimerWhenPausedOrAFinishedOneShot) {
    Trigger once = make_once(created);
    EXPECT_EQ(job_timer(input(JobStatus::completed, once)), std::nullopt);
    EXPECT_EQ(job_timer(input(JobStatus::fatal, once)), std::nullopt);
    Trigger every = make_interval(60s, std::nullopt);
    auto paused = input(JobStatus::completed, every);
    paused.paused = true;
    EXPECT_EQ(job_timer(paused), std::nullopt);
}

TEST(JobTimer, CronTicksInTheirZone) {
    Trigger cron = make_cron("0 9 * * *", "Europe/Berlin");
    auto job = input(JobStatus::completed, cron);
    job.fire_base = at("2026-11-24T08:00:00.002Z");  // 09:00 Berlin, fired 2 ms late
    EXPECT_EQ(job_timer(job), (JobTimer{at("2026-11-25T08:00:00Z"), TimerKind::fire}));
}

}  // namespace
}  // namespace cadence::core
