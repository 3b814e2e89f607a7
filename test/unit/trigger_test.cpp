// Trigger descriptors (JSON), interval arithmetic and one-shot triggers.
#include "core/trigger.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace cadence::core {
namespace {

using ::testing::HasSubstr;
using testing::at;
using namespace std::chrono_literals;

std::string normalised(const std::string& json) { return trigger_to_json(parse_trigger(json)); }

std::string rejection(const std::string& json) {
    try {
        parse_trigger(json);
    } catch (const Error& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(TriggerJson, RoundTripsEachKind) {
    EXPECT_EQ(normalised(R"({"kind":"once","at":"2026-12-24T18:00:00+01:00"})"),
              R"({"at":"2026-12-24T17:00:00Z","kind":"once"})");
    EXPECT_EQ(normalised(R"({"kind":"interval","period_seconds":30})"),
              R"({"kind":"interval","period_seconds":30})");
    EXPECT_EQ(normalised(R"({"kind":"interval","period_seconds":1.5,"anchor":"2026-11-24T09:00:00.25Z"})"),
              R"({"anchor":"2026-11-24T09:00:00.25Z","kind":"interval","period_seconds":1.5})");
    EXPECT_EQ(normalised(R"({"kind":"cron","expr":" 0  9 * * MON-FRI","timezone":"Europe/Berlin"})"),
              R"({"expr":"0 9 * * MON-FRI","kind":"cron","timezone":"Europe/Berlin"})");
}

TEST(TriggerJson, CronZoneDefaultsToUtc) {
    EXPECT_EQ(normalised(R"({"kind":"cron","expr":"@hourly"})"),
              R"({"expr":"@hourly","kind":"cron","timezone":"UTC"})");
    EXPECT_EQ(normalised(R"({"kind":"cron","expr":"@hourly","timezone":null})"),
              R"({"expr":"@hourly","kind":"cron","timezone":"UTC"})");
}

TEST(TriggerJson, MalformedDescriptorsAreRejectedWithTheReason) {
    EXPECT_THAT(rejection("not json"), HasSubstr("invalid trigger: not valid JSON"));
    EXPECT_THAT(rejection("[1]"), HasSubstr("invalid trigger: expected a JSON object, found array"));
    EXPECT_THAT(rejection("{}"), HasSubstr("invalid trigger: missing \"kind\""));
    EXPECT_THAT(rejection(R"({"kind":3})"), HasSubstr("invalid trigger: \"kind\" must be a string"));
    EXPECT_THAT(rejection(R"({"kind":"weekly"})"),
                HasSubstr("invalid trigger: unknown kind \"weekly\" (expected once, interval or cron)"));
    EXPECT_THAT(rejection(R"({"kind":"cron"})"), HasSubstr("invalid cron trigger: missing \"expr\""));
    EXPECT_THAT(rejection(R"({"kind":"cron","expr":"* * * * *","tz":"UTC"})"),
                HasSubstr("invalid cron trigger: unknown key \"tz\" (allowed: kind, expr, timezone)"));
    EXPECT_THAT(rejection(R"({"kind":"cron","expr":5})"),
                HasSubstr("invalid cron trigger: \"expr\" must be a string"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":"30"})"),
                HasSubstr("invalid interval trigger: \"period_seconds\" must be a number"));
    EXPECT_THAT(rejection(R"({"kind":"once"})"), HasSubstr("invalid once trigger: missing \"at\""));
    EXPECT_THAT(rejection(R"({"kind":"once","at":"tomorrow"})"),
                HasSubstr("invalid once trigger's at \"tomorrow\": expected an RFC 3339 timestamp"));
}

TEST(TriggerJson, BadSchedulesAndZonesAreRejected) {
    EXPECT_EQ(rejection(R"({"kind":"cron","expr":"61 * * * *"})"),
              "invalid cron expression \"61 * * * *\": minute 61 is out of range 0-59");
    EXPECT_EQ(rejection(R"({"kind":"cron","expr":"* * * * *","timezone":"Mars/Olympus"})"),
              "unknown time zone \"Mars/Olympus\"");
    EXPECT_EQ(rejection(R"({"kind":"cron","expr":"* * * * *","timezone":"localtime"})"),
              "unknown time zone \"localtime\"");
    EXPECT_EQ(rejection(R"({"kind":"cron","expr":"* * * * *","timezone":"../../etc/passwd"})"),
              "unknown time zone \"../../etc/passwd\"");
}

TEST(TriggerJson, PeriodsMustBeAtLeastOneSecond) {
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":0})"),
                HasSubstr("invalid interval trigger: period 0s must be positive"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":-5})"),
                HasSubstr("invalid interval trigger: period -5s must be positive"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":-771717.5})"),
                HasSubstr("invalid interval trigger: period -771717.5s must be positive"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":-0.25})"),
                HasSubstr("invalid interval trigger: period -0.25s must be positive"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":0.5})"),
                HasSubstr("invalid interval trigger: period 0.5s is shorter than the minimum of 1 second"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":1e11})"),
                HasSubstr("is longer than 100 years"));
    EXPECT_THAT(rejection(R"({"kind":"interval","period_seconds":1e300})"),
                HasSubstr("\"period_seconds\" is out of range"));
    EXPECT_EQ(rejection(R"({"kind":"interval","period_seconds":1})"), "(accepted)");
}

TEST(IntervalTrigger, TicksAreAnchoredAndNeverDrift) {
    Trigger every_90s = make_interval(90s, at("2026-11-24T09:00:00Z"));
    Instant anchor = at("2026-11-24T09:00:00Z");
    EXPECT_EQ(next_fire_after(every_90s, anchor, {}), anchor + 90s);
    EXPECT_EQ(next_fire_after(every_90s, anchor + 89s, {}), anchor + 90s);
    EXPECT_EQ(next_fire_after(every_90s, anchor + 90s, {}), anchor + 180s);
    // A late evaluation lands on the grid, not at evaluation time + period.
    EXPECT_EQ(next_fire_after(every_90s, anchor + 1000s + 123ms, {}), anchor + 1080s);
    // A million periods on, still exactly on the grid.
    Instant t = anchor;
    for (int i = 0; i < 1000; ++i) t = *next_fire_after(every_90s, t + 7ms, {});
    EXPECT_EQ(t, anchor + 1000 * 90s);
    EXPECT_EQ(next_fire_after(every_90s, anchor + 90s * 1000000 - 1us, {}), anchor + 90s * 1000000);
}

TEST(IntervalTrigger, FutureAnchorIsTheFirstTick) {
    Trigger daily = make_interval(24h, at("2026-12-01T06:00:00Z"));
    EXPECT_EQ(next_fire_after(daily, at("2026-11-24T10:00:00Z"), {}), at("2026-12-01T06:00:00Z"));
}

TEST(IntervalTrigger, WithoutAnchorUsesTheDefault) {
    Trigger every_minute = make_interval(60s, std::nullopt);
    Instant created = at("2026-11-24T10:00:00.5Z");
    EXPECT_EQ(next_fire_after(every_minute, created, created), created + 60s);
    EXPECT_EQ(next_fire_after(every_minute, created + 61s, created), created + 120s);
}

TEST(IntervalTrigger, SubSecondPrecisionIsKept) {
    Trigger t = make_interval(1500ms, at("2026-11-24T10:00:00Z"));
    EXPECT_EQ(next_fire_after(t, at("2026-11-24T10:00:01Z"), {}), at("2026-11-24T10:00:01.5Z"));
}

TEST(OnceTrigger, FiresOnlyBeforeItsTime) {
    Trigger once = make_once(at("2026-12-24T18:00:00Z"));
    EXPECT_EQ(next_fire_after(once, at("2026-12-24T17:59:59Z"), {}), at("2026-12-24T18:00:00Z"));
    EXPECT_EQ(next_fire_after(once, at("2026-12-24T18:00:00Z"), {}), std::nullopt);
}

TEST(CronTrigger, UsesItsZone) {
    Trigger cron = make_cron("0 9 * * *", "America/New_York");
    EXPECT_EQ(next_fire_after(cron, at("2026-11-24T00:00:00Z"), {}), at("2026-11-24T14:00:00Z"));
}

TEST(Instant, FormatsAndParsesRfc3339) {
    EXPECT_EQ(format_instant(at("2026-03-08T02:30:00.123456-05:00")), "2026-03-08T07:30:00.123456Z");
    EXPECT_EQ(format_instant(at("2026-03-08T07:30:00Z")), "2026-03-08T07:30:00Z");
    EXPECT_EQ(unix_micros(at("1970-01-01T00:00:01Z")), 1000000);
    EXPECT_THROW(at("2026-02-30T00:00:00Z"), Error);
    EXPECT_THROW(at("2026-03-08 07:30:00Z"), Error);
}

TEST(Instant, OnlyYearsOneTo9999) {
    EXPECT_EQ(unix_micros(at("0001-01-01T00:00:00Z")), min_unix_micros);
    EXPECT_EQ(unix_micros(at("9999-12-31T23:59:59.999999Z")), max_unix_micros);
    EXPECT_THAT(rejection(R"({"kind":"once","at":"418326-12-24T18:00:52-11:00"})"),
                HasSubstr("only years 1 to 9999 are supported"));
    EXPECT_THAT(rejection(R"({"kind":"once","at":"9999-12-31T23:00:00-11:00"})"),
                HasSubstr("only years 1 to 9999 are supported"));
    EXPECT_FALSE(in_range(instant_from_unix_micros(max_unix_micros + 1)));
}

}  // namespace
}  // namespace cadence::core
