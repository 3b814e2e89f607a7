// Next fire times of cron expressions: calendars, and daylight saving in four zones.
#include "core/cron_schedule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace cadence::core {
namespace {

using ::testing::ElementsAre;
using testing::at;
using testing::fires;

TEST(CronNext, IsStrictlyAfter) {
    EXPECT_THAT(fires("*/15 * * * *", "UTC", "2026-11-24T10:15:00Z", 2),
                ElementsAre("2026-11-24 10:30:00 +00:00", "2026-11-24 10:45:00 +00:00"));
    EXPECT_THAT(fires("*/15 * * * *", "UTC", "2026-11-24T10:14:59.999999Z", 1),
                ElementsAre("2026-11-24 10:15:00 +00:00"));
    EXPECT_THAT(fires("*/15 * * * *", "UTC", "2026-11-24T10:15:00.000001Z", 1),
                ElementsAre("2026-11-24 10:30:00 +00:00"));
}

TEST(CronNext, SecondsField) {
    EXPECT_THAT(fires("*/20 * * * * *", "UTC", "2026-11-24T10:00:50Z", 4),
                ElementsAre("2026-11-24 10:01:00 +00:00", "2026-11-24 10:01:20 +00:00",
                            "2026-11-24 10:01:40 +00:00", "2026-11-24 10:02:00 +00:00"));
    EXPECT_THAT(fires("30 59 23 31 12 *", "UTC", "2026-06-01T00:00:00Z", 2),
                ElementsAre("2026-12-31 23:59:30 +00:00", "2027-12-31 23:59:30 +00:00"));
}

TEST(CronNext, YearRollover) {
    EXPECT_THAT(fires("0 0 1 1 *", "UTC", "2026-12-31T23:59:59Z", 2),
                ElementsAre("2027-01-01 00:00:00 +00:00", "2028-01-01 00:00:00 +00:00"));
    EXPECT_THAT(fires("59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z", 1),
                ElementsAre("2027-12-31 23:59:00 +00:00"));
}

TEST(CronNext, MonthEndsSkipShortMonths) {
    EXPECT_THAT(fires("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", 3),
                ElementsAre("2026-03-31 00:00:00 +00:00", "2026-05-31 00:00:00 +00:00",
                            "2026-07-31 00:00:00 +00:00"));
    EXPECT_THAT(fires("0 12 30 * *", "UTC", "2026-01-30T12:00:00Z", 2),
                ElementsAre("2026-03-30 12:00:00 +00:00", "2026-04-30 12:00:00 +00:00"));
}

TEST(CronNext, LastDayOfMonth) {
    EXPECT_THAT(fires("0 0 L * *", "UTC", "2026-01-15T00:00:00Z", 4),
                ElementsAre("2026-01-31 00:00:00 +00:00", "2026-02-28 00:00:00 +00:00",
                            "2026-03-31 00:00:00 +00:00", "2026-04-30 00:00:00 +00:00"));
}

TEST(CronNext, LastDayOfFebruaryFollowsLeapYears) {
    EXPECT_THAT(fires("0 0 L 2 *", "UTC", "2026-01-01T00:00:00Z", 3),
                ElementsAre("2026-02-28 00:00:00 +00:00", "2027-02-28 00:00:00 +00:00",
                            "2028-02-29 00:00:00 +00:00"));
    EXPECT_THAT(fires("0 0 L 2 *", "UTC", "2099-03-01T00:00:00Z", 2),
                ElementsAre("2100-02-28 00:00:00 +00:00", "2101-02-28 00:00:00 +00:00"));
}

TEST(CronNext, LeapDayFindsTheNextLeapYear) {
    EXPECT_THAT(fires("0 0 29 2 *", "UTC", "2026-11-24T00:00:00Z", 3),
                ElementsAre("2028-02-29 00:00:00 +00:00", "2032-02-29 00:00:00 +00:00",
                            "2036-02-29 00:00:00 +00:00"));
    // 2100 is not a leap year: eight years between leap days.
    EXPECT_THAT(fires("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1),
                ElementsAre("2104-02-29 00:00:00 +00:00"));
    // 2000 was (divisible by 400).
    EXPECT_THAT(fires("0 0 29 2 *", "UTC", "1999-01-01T00:00:00Z", 1),
                ElementsAre("2000-02-29 00:00:00 +00:00"));
}

TEST(CronNext, NthWeekday) {
    EXPECT_THAT(fires("0 9 * * 5#2", "UTC", "2026-11-01T00:00:00Z", 3),
                ElementsAre("2026-11-13 09:00:00 +00:00", "2026-12-11 09:00:00 +00:00",
                            "2027-01-08 09:00:00 +00:00"));
    // A fifth Friday only exists in some months.
    EXPECT_THAT(fires("0 0 * * FRI#5", "UTC", "2026-01-01T00:00:00Z", 4),
                ElementsAre("2026-01-30 00:00:00 +00:00", "2026-05-29 00:00:00 +00:00",
                            "2026-07-31 00:00:00 +00:00", "2026-10-30 00:00:00 +00:00"));
}

TEST(CronNext, NthWeekdayInShortFebruary) {
    // A fifth Monday in February needs a leap year whose February starts on a Monday.
    EXPECT_THAT(fires("0 0 * 2 1#5", "UTC", "2016-03-01T00:00:00Z", 2),
                ElementsAre("2044-02-29 00:00:00 +00:00", "2072-02-29 00:00:00 +00:00"));
    EXPECT_THAT(fires("0 0 * 2 MON#4", "UTC", "2026-01-01T00:00:00Z", 1),
                ElementsAre("2026-02-23 00:00:00 +00:00"));
}

TEST(CronNext, EitherDayFieldMayMatch) {
    EXPECT_THAT(fires("0 0 13 * FRI", "UTC", "2026-11-01T00:00:00Z", 4),
                ElementsAre("2026-11-06 00:00:00 +00:00", "2026-11-13 00:00:00 +00:00",
                            "2026-11-20 00:00:00 +00:00", "2026-11-27 00:00:00 +00:00"));
}

TEST(CronNext, NamesStepsAndRanges) {
    EXPECT_THAT(fires("0 9-17/4 * * MON-FRI", "UTC", "2026-11-27T12:00:00Z", 4),
                ElementsAre("2026-11-27 13:00:00 +00:00", "2026-11-27 17:00:00 +00:00",
                            "2026-11-30 09:00:00 +00:00", "2026-11-30 13:00:00 +00:00"));
    EXPECT_THAT(fires("0 0 1 JAN,JUL *", "UTC", "2026-02-01T00:00:00Z", 2),
                ElementsAre("2026-07-01 00:00:00 +00:00", "2027-01-01 00:00:00 +00:00"));
}

TEST(CronNext, EvaluatedInTheZone) {
    EXPECT_THAT(fires("0 9 * * *", "Asia/Tokyo", "2026-11-23T12:00:00Z", 2),
                ElementsAre("2026-11-24 09:00:00 +09:00", "2026-11-25 09:00:00 +09:00"));
    EXPECT_THAT(fires("0 9 * * *", "Asia/Kolkata", "2026-11-24T00:00:00Z", 1),
                ElementsAre("2026-11-24 09:00:00 +05:30"));
}

// America/New_York 2026: clocks go 02:00 -> 03:00 on March 8 and 02:00 -> 01:00 on November 1.
TEST(CronDaylightSaving, NewYorkGapFiresAtFirstInstantAfter) {
    EXPECT_THAT(fires("30 2 * * *", "America/New_York", "2026-03-06T12:00:00Z", 3),
                ElementsAre("2026-03-07 02:30:00 -05:00", "2026-03-08 03:00:00 -04:00",
                            "2026-03-09 02:30:00 -04:00"));
    // Two skipped times and 03:00 itself: one fire at 03:00.
    EXPECT_THAT(fires("*/30 * * * *", "America/New_York", "2026-03-08T05:45:00Z", 4),
                ElementsAre("2026-03-08 01:00:00 -05:00", "2026-03-08 01:30:00 -05:00",
                            "2026-03-08 03:00:00 -04:00", "2026-03-08 03:30:00 -04:00"));
}

TEST(CronDaylightSaving, NewYorkRepeatedFixedHourFiresOnce) {
    EXPECT_THAT(fires("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2),
                ElementsAre("2026-11-01 01:30:00 -04:00", "2026-11-02 01:30:00 -05:00"));
    EXPECT_THAT(fires("0 1-2 * * *", "America/New_York", "2026-11-01T04:00:00Z", 3),
                ElementsAre("2026-11-01 01:00:00 -04:00", "2026-11-01 02:00:00 -05:00",
                            "2026-11-02 01:00:00 -05:00"));
    EXPECT_THAT(fires("15 30 1 * * *", "America/New_York", "2026-11-01T05:00:00Z", 2),
                ElementsAre("2026-11-01 01:30:15 -04:00", "2026-11-02 01:30:15 -05:00"));
}

TEST(CronDaylightSaving, NewYorkRepeatedStarHourFiresOnEveryOccurrence) {
    EXPECT_THAT(fires("30 * * * *", "America/New_York", "2026-11-01T04:00:00Z", 4),
                ElementsAre("2026-11-01 00:30:00 -04:00", "2026-11-01 01:30:00 -04:00",
                            "2026-11-01 01:30:00 -05:00", "2026-11-01 02:30:00 -05:00"));
    EXPECT_THAT(fires("0 1/2 * * *", "America/New_York", "2026-11-01T04:00:00Z", 3),
                ElementsAre("2026-11-01 01:00:00 -04:00", "2026-11-01 01:00:00 -05:00",
                            "2026-11-01 03:00:00 -05:00"));
    EXPECT_THAT(fires("15 30 * * * *", "America/New_York", "2026-11-01T05:00:00Z", 2),
                ElementsAre("2026-11-01 01:30:15 -04:00", "2026-11-01 01:30:15 -05:00"));
}

TEST(CronDaylightSaving, StartingInsideTheRepeatedHour) {
    // 01:45 EDT (first pass): 01:15 comes again, in EST, 30 minutes later.
    EXPECT_THAT(fires("15 * * * *", "America/New_York", "2026-11-01T05:45:00Z", 2),
                ElementsAre("2026-11-01 01:15:00 -05:00", "2026-11-01 02:15:00 -05:00"));
    // 01:45 EST (second pass): the first occurrences are behind us.
    EXPECT_THAT(fires("30 1 * * *", "America/New_York", "2026-11-01T06:45:00Z", 1),
                ElementsAre("2026-11-02 01:30:00 -05:00"));
    EXPECT_THAT(fires("50 * * * *", "America/New_York", "2026-11-01T06:45:00Z", 2),
                ElementsAre("2026-11-01 01:50:00 -05:00", "2026-11-01 02:50:00 -05:00"));
    EXPECT_THAT(fires("10 * * * *", "America/New_York", "2026-11-01T06:45:00Z", 1),
                ElementsAre("2026-11-01 02:10:00 -05:00"));
}

// Europe/Berlin 2026: 02:00 -> 03:00 on March 29, 03:00 -> 02:00 on October 25.
TEST(CronDaylightSaving, Berlin) {
    EXPECT_THAT(fires("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
                ElementsAre("2026-03-29 03:00:00 +02:00", "2026-03-30 02:30:00 +02:00"));
    EXPECT_THAT(fires("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
                ElementsAre("2026-10-25 02:30:00 +02:00", "2026-10-26 02:30:00 +01:00"));
    EXPECT_THAT(fires("30 * * * *", "Europe/Berlin", "2026-10-25T00:00:00Z", 3),
                ElementsAre("2026-10-25 02:30:00 +02:00", "2026-10-25 02:30:00 +01:00",
                            "2026-10-25 03:30:00 +01:00"));
    EXPECT_THAT(fires("0 9 * * MON-FRI", "Europe/Berlin", "2026-03-27T12:00:00Z", 2),
                ElementsAre("2026-03-30 09:00:00 +02:00", "2026-03-31 09:00:00 +02:00"));
}

// Australia/Lord_Howe shifts by 30 minutes: 02:00 -> 02:30 on 2026-10-04,
// 02:00 -> 01:30 on 2026-04-05.
TEST(CronDaylightSaving, LordHoweHalfHourShift) {
    EXPECT_THAT(fires("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", 2),
                ElementsAre("2026-10-04 02:30:00 +11:00", "2026-10-05 02:15:00 +11:00"));
    EXPECT_THAT(fires("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00Z", 2),
                ElementsAre("2026-04-05 01:45:00 +11:00", "2026-04-06 01:45:00 +10:30"));
    EXPECT_THAT(fires("45 * * * *", "Australia/Lord_Howe", "2026-04-04T13:00:00Z", 3),
                ElementsAre("2026-04-05 00:45:00 +11:00", "2026-04-05 01:45:00 +11:00",
                            "2026-04-05 01:45:00 +10:30"));
    // 01:15 is not repeated (only 01:30-02:00 is): once.
    EXPECT_THAT(fires("15 * * * *", "Australia/Lord_Howe", "2026-04-04T13:00:00Z", 3),
                ElementsAre("2026-04-05 00:15:00 +11:00", "2026-04-05 01:15:00 +11:00",
                            "2026-04-05 02:15:00 +10:30"));
}

// Australia/Sydney (southern hemisphere): 03:00 -> 02:00 on 2026-04-05, 02:00 -> 03:00
// on 2026-10-04.
TEST(CronDaylightSaving, SydneySouthernHemisphere) {
    EXPECT_THAT(fires("30 2 * * *", "Australia/Sydney", "2026-04-04T12:00:00Z", 2),
                ElementsAre("2026-04-05 02:30:00 +11:00", "2026-04-06 02:30:00 +10:00"));
    EXPECT_THAT(fires("30 2 * * *", "Australia/Sydney", "2026-10-03T12:00:00Z", 2),
                ElementsAre("2026-10-04 03:00:00 +11:00", "2026-10-05 02:30:00 +11:00"));
    EXPECT_THAT(fires("0 * * * *", "Australia/Sydney", "2026-04-04T14:30:00Z", 3),
                ElementsAre("2026-04-05 02:00:00 +11:00", "2026-04-05 02:00:00 +10:00",
                            "2026-04-05 03:00:00 +10:00"));
}

TEST(CronNextMatch, SearchesCivilTime) {
    CronExpr e = parse_cron("0 0 29 2 *");
    auto match = cron_next_match(e, cctz::civil_second(2026, 1, 1, 0, 0, 0));
    ASSERT_TRUE(match);
    EXPECT_EQ(*match, cctz::civil_second(2028, 2, 29, 0, 0, 0));
    EXPECT_EQ(*cron_next_match(e, *match), *match);  // at or after
}

}  // namespace
}  // namespace cadence::core
