// Parsing of cron expressions: every field form, names, macros, and the errors.
#include "core/cron_expr.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace cadence::core {
namespace {

using ::testing::ElementsAre;
using testing::fires;

std::vector<int> bits(const auto& set) {
    std::vector<int> out;
    for (size_t i = 0; i < set.size(); ++i)
        if (set[i]) out.push_back(static_cast<int>(i));
    return out;
}

TEST(CronParse, FiveFieldsDefaultSecondsToZero) {
    CronExpr e = parse_cron("5 4 * * *");
    EXPECT_FALSE(e.has_seconds_field);
    EXPECT_THAT(bits(e.seconds), ElementsAre(0));
    EXPECT_THAT(bits(e.minutes), ElementsAre(5));
    EXPECT_THAT(bits(e.hours), ElementsAre(4));
    EXPECT_EQ(e.days_of_month.count(), 31u);
    EXPECT_EQ(e.months.count(), 12u);
    EXPECT_EQ(e.days_of_week.count(), 7u);
    EXPECT_TRUE(e.day_of_month_star);
    EXPECT_TRUE(e.day_of_week_star);
    EXPECT_EQ(e.text, "5 4 * * *");
}

TEST(CronParse, SixFieldsHaveLeadingSeconds) {
    CronExpr e = parse_cron("*/15 0 12 * * *");
    EXPECT_TRUE(e.has_seconds_field);
    EXPECT_THAT(bits(e.seconds), ElementsAre(0, 15, 30, 45));
    EXPECT_THAT(bits(e.minutes), ElementsAre(0));
    EXPECT_THAT(bits(e.hours), ElementsAre(12));
}

TEST(CronParse, ListsRangesAndSteps) {
    EXPECT_THAT(bits(parse_cron("1,2,40 * * * *").minutes), ElementsAre(1, 2, 40));
    EXPECT_THAT(bits(parse_cron("10-13 * * * *").minutes), ElementsAre(10, 11, 12, 13));
    EXPECT_THAT(bits(parse_cron("*/20 * * * *").minutes), ElementsAre(0, 20, 40));
    EXPECT_THAT(bits(parse_cron("10-30/10 * * * *").minutes), ElementsAre(10, 20, 30));
    EXPECT_THAT(bits(parse_cron("50/5 * * * *").minutes), ElementsAre(50, 55));
    EXPECT_THAT(bits(parse_cron("0 1-3,20-23/2 * * *").hours), ElementsAre(1, 2, 3, 20, 22));
    EXPECT_THAT(bits(parse_cron("0 0 */10 * *").days_of_month), ElementsAre(1, 11, 21, 31));
    EXPECT_THAT(bits(parse_cron("0 0 1 */4 *").months), ElementsAre(1, 5, 9));
}

TEST(CronParse, MonthAndWeekdayNamesInAnyCase) {
    EXPECT_THAT(bits(parse_cron("0 0 1 jan,Jun,DEC *").months), ElementsAre(1, 6, 12));
    EXPECT_THAT(bits(parse_cron("0 0 1 MAR-MAY *").months), ElementsAre(3, 4, 5));
    EXPECT_THAT(bits(parse_cron("0 0 * * MON-FRI").days_of_week), ElementsAre(1, 2, 3, 4, 5));
    EXPECT_THAT(bits(parse_cron("0 0 * * sun,sat").days_of_week), ElementsAre(0, 6));
    EXPECT_THAT(bits(parse_cron("0 0 * * tue-thu/2").days_of_week), ElementsAre(2, 4));
}

TEST(CronParse, SevenIsSunday) {
    EXPECT_THAT(bits(parse_cron("0 0 * * 7").days_of_week), ElementsAre(0));
    EXPECT_THAT(bits(parse_cron("0 0 * * 5-7").days_of_week), ElementsAre(0, 5, 6));
    EXPECT_EQ(parse_cron("0 0 * * 0-7").days_of_week.count(), 7u);
}

TEST(CronParse, LastDayAndNthWeekday) {
    CronExpr last = parse_cron("0 0 L * *");
    EXPECT_TRUE(last.last_day_of_month);
    EXPECT_EQ(last.days_of_month.count(), 0u);
    EXPECT_THAT(bits(parse_cron("0 0 1,15,L * *").days_of_month), ElementsAre(1, 15));
    CronExpr nth = parse_cron("0 0 * * 5#2,MON#1");
    EXPECT_THAT(bits(nth.nth_weekday[5]), ElementsAre(2));
    EXPECT_THAT(bits(nth.nth_weekday[1]), ElementsAre(1));
    EXPECT_EQ(nth.days_of_week.count(), 0u);
    EXPECT_FALSE(nth.day_of_week_star);
}

TEST(CronParse, QuestionMarkIsAStarInDayFields) {
    CronExpr e = parse_cron("0 0 ? * MON");
    EXPECT_TRUE(e.day_of_month_star);
    EXPECT_EQ(e.days_of_month.count(), 31u);
}

TEST(CronParse, MacrosExpand) {
    struct Case {
        const char* macro;
        const char* same_as;
    };
    for (auto [macro, same_as] : {Case{"@yearly", "0 0 1 1 *"}, Case{"@annually", "0 0 1 1 *"},
                                  Case{"@monthly", "0 0 1 * *"}, Case{"@weekly", "0 0 * * 0"},
                                  Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
                                  Case{"@hourly", "0 * * * *"}, Case{"@HOURLY", "0 * * * *"}}) {
        SCOPED_TRACE(macro);
        CronExpr a = parse_cron(macro);
        CronExpr b = parse_cron(same_as);
        EXPECT_EQ(a.text, macro);
        EXPECT_EQ(a.minutes, b.minutes);
        EXPECT_EQ(a.hours, b.hours);
        EXPECT_EQ(a.days_of_month, b.days_of_month);
        EXPECT_EQ(a.months, b.months);
        EXPECT_EQ(a.days_of_week, b.days_of_week);
        EXPECT_EQ(fires(macro, "UTC", "2026-11-24T10:17:00Z", 3),
                  fires(same_as, "UTC", "2026-11-24T10:17:00Z", 3));
    }
}

TEST(CronParse, WhitespaceIsNormalised) {
    EXPECT_EQ(parse_cron("  0\t9   * *  MON ").text, "0 9 * * MON");
}

TEST(CronParse, HourFieldDecidesRepeatedTimeRule) {
    EXPECT_TRUE(parse_cron("30 * * * *").every_hour_occurrence);
    EXPECT_TRUE(parse_cron("30 */2 * * *").every_hour_occurrence);
    EXPECT_TRUE(parse_cron("30 1-5/2 * * *").every_hour_occurrence);
    EXPECT_FALSE(parse_cron("30 1 * * *").every_hour_occurrence);
    EXPECT_FALSE(parse_cron("30 1-3 * * *").every_hour_occurrence);
    EXPECT_FALSE(parse_cron("30 1,2 * * *").every_hour_occurrence);
    EXPECT_FALSE(parse_cron("@daily").every_hour_occurrence);
    EXPECT_TRUE(parse_cron("@hourly").every_hour_occurrence);
}

std::string parse_error(const std::string& expr) {
    try {
        parse_cron(expr);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_parameter);
        return e.what();
    }
    return "(accepted)";
}

TEST(CronParseErrors, NameTheFieldValueAndRange) {
    EXPECT_EQ(parse_error("61 * * * *"),
              "invalid cron expression \"61 * * * *\": minute 61 is out of range 0-59");
    EXPECT_EQ(parse_error("60 * * * * *"),
              "invalid cron expression \"60 * * * * *\": second 60 is out of range 0-59");
    EXPECT_EQ(parse_error("* 24 * * *"),
              "invalid cron expression \"* 24 * * *\": hour 24 is out of range 0-23");
    EXPECT_EQ(parse_error("* * 0 * *"),
              "invalid cron expression \"* * 0 * *\": day of month 0 is out of range 1-31");
    EXPECT_EQ(parse_error("* * 32 * *"),
              "invalid cron expression \"* * 32 * *\": day of month 32 is out of range 1-31");
    EXPECT_EQ(parse_error("* * * 13 *"),
              "invalid cron expression \"* * * 13 *\": month 13 is out of range 1-12");
    EXPECT_EQ(parse_error("* * * * 8"),
              "invalid cron expression \"* * * * 8\": day of week 8 is out of range 0-7");
    EXPECT_EQ(parse_error("99999999999 * * * *"),
              "invalid cron expression \"99999999999 * * * *\": minute 99999999999 is out of "
              "range 0-59");
}

TEST(CronParseErrors, Malformed) {
    EXPECT_EQ(parse_error("* * *"),
              "invalid cron expression \"* * *\": expected 5 fields (minute hour day-of-month "
              "month day-of-week) or 6 (with a leading second), found 3");
    EXPECT_EQ(parse_error(""),
              "invalid cron expression \"\": expected 5 fields (minute hour day-of-month "
              "month day-of-week) or 6 (with a leading second), found 0");
    EXPECT_THAT(parse_error("* * * * * * *"), ::testing::HasSubstr("found 7"));
    EXPECT_EQ(parse_error("a * * * *"),
              "invalid cron expression \"a * * * *\": minute \"a\" is not a number");
    EXPECT_EQ(parse_error("1x * * * *"),
              "invalid cron expression \"1x * * * *\": minute \"1x\" is not a number");
    EXPECT_EQ(parse_error("1,,2 * * * *"),
              "invalid cron expression \"1,,2 * * * *\": empty list item in the minute field");
    EXPECT_EQ(parse_error("5-1 * * * *"),
              "invalid cron expression \"5-1 * * * *\": minute range 5-1 is backwards (write "
              "it as two ranges, e.g. 22-23,0-2)");
    EXPECT_EQ(parse_error("1- * * * *"),
              "invalid cron expression \"1- * * * *\": missing value in the minute field");
    EXPECT_EQ(parse_error("*/0 * * * *"),
              "invalid cron expression \"*/0 * * * *\": minute step 0 is out of range 1-59");
    EXPECT_EQ(parse_error("0 */24 * * *"),
              "invalid cron expression \"0 */24 * * *\": hour step 24 is out of range 1-23");
    EXPECT_EQ(parse_error("*/ * * * *"),
              "invalid cron expression \"*/ * * * *\": missing minute step after /");
    EXPECT_EQ(parse_error("? * * * *"),
              "invalid cron expression \"? * * * *\": ? is only allowed in the day-of-month "
              "and day-of-week fields");
}

TEST(CronParseErrors, NamesMacrosAndSpecials) {
    EXPECT_EQ(parse_error("0 0 1 FOO *"),
              "invalid cron expression \"0 0 1 FOO *\": unknown month name \"FOO\" (expected "
              "JAN-DEC)");
    EXPECT_EQ(parse_error("0 0 * * FRIDAY"),
              "invalid cron expression \"0 0 * * FRIDAY\": unknown day-of-week name \"FRIDAY\" "
              "(expected SUN-SAT)");
    EXPECT_EQ(parse_error("0 MON * * *"),
              "invalid cron expression \"0 MON * * *\": hour \"MON\" is not a number");
    EXPECT_EQ(parse_error("@reboot"),
              "invalid cron expression \"@reboot\": unknown macro \"@reboot\" (expected "
              "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)");
    EXPECT_EQ(parse_error("@daily 5"),
              "invalid cron expression \"@daily 5\": a macro such as @daily stands alone");
    EXPECT_EQ(parse_error("0 0 * * L"),
              "invalid cron expression \"0 0 * * L\": L (last day of the month) is only "
              "allowed in the day-of-month field");
    EXPECT_EQ(parse_error("0 0 1#2 * *"),
              "invalid cron expression \"0 0 1#2 * *\": # (nth weekday) is only allowed in "
              "the day-of-week field");
    EXPECT_EQ(parse_error("0 0 * * 1#6"),
              "invalid cron expression \"0 0 * * 1#6\": \"1#6\": the n in weekday#n must be "
              "1-5");
    EXPECT_EQ(parse_error("0 0 * * 1#"),
              "invalid cron expression \"0 0 * * 1#\": \"1#\": the n in weekday#n must be 1-5");
}

TEST(CronParseErrors, SchedulesThatNeverFire) {
    EXPECT_EQ(parse_error("0 0 30 2 *"),
              "invalid cron expression \"0 0 30 2 *\": it can never fire: no date matches its "
              "day-of-month, month and day-of-week fields");
    EXPECT_NE(parse_error("0 0 31 4,6,9,11 *"), "(accepted)");
    EXPECT_NE(parse_error("0 0 30,31 2 *").find("never fire"), std::string::npos);
    // Rare but possible: accepted.
    EXPECT_EQ(parse_error("0 0 29 2 *"), "(accepted)");
    EXPECT_EQ(parse_error("0 0 * 2 1#5"), "(accepted)");
    EXPECT_EQ(parse_error("0 0 30 2 MON"), "(accepted)");  // either day field may match
}

TEST(CronMatch, VixieDayRule) {
    // Both day fields restricted: either matches (the 13th, or any Friday).
    CronExpr either = parse_cron("0 0 13 * FRI");
    EXPECT_TRUE(either.matches_day(cctz::civil_day(2026, 11, 13)));  // Friday the 13th
    EXPECT_TRUE(either.matches_day(cctz::civil_day(2026, 12, 13)));  // a Sunday
    EXPECT_TRUE(either.matches_day(cctz::civil_day(2026, 11, 27)));  // a Friday
    EXPECT_FALSE(either.matches_day(cctz::civil_day(2026, 11, 26)));
    // A day field starting with * restricts nothing alone, but still ANDs (Vixie).
    CronExpr both = parse_cron("0 0 */2 * FRI");
    EXPECT_TRUE(both.matches_day(cctz::civil_day(2026, 11, 13)));   // odd Friday
    EXPECT_FALSE(both.matches_day(cctz::civil_day(2026, 11, 20)));  // even Friday
    EXPECT_FALSE(both.matches_day(cctz::civil_day(2026, 11, 15)));  // odd Sunday
}

}  // namespace
}  // namespace cadence::core
