// A parsed cron expression: which seconds, minutes, hours, days and months match.
// Evaluating it in a time zone is cron_schedule's job.
#pragma once

#include <cctz/civil_time.h>

#include <array>
#include <bitset>
#include <string>
#include <string_view>

namespace cadence::core {

struct CronExpr {
    std::string text;              // the expression, whitespace normalised
    std::bitset<60> seconds;       // 0-59 ({0} for a 5-field expression)
    std::bitset<60> minutes;       // 0-59
    std::bitset<24> hours;         // 0-23
    std::bitset<32> days_of_month; // 1-31
    bool last_day_of_month = false;            // L
    std::bitset<13> months;                    // 1-12
    std::bitset<7> days_of_week;               // 0-6, Sunday = 0
    std::array<std::bitset<6>, 7> nth_weekday; // [weekday][n]: weekday#n, n = 1-5
    bool day_of_month_star = false;  // the field starts with * or ?
    bool day_of_week_star = false;   // likewise
    bool has_seconds_field = false;
    // The hour field is * or a step: a repeated wall-clock time (DST fall-back)
    // fires on every occurrence, not only the first.
    bool every_hour_occurrence = false;

    // Whether the day matches the day-of-month, month and day-of-week fields, with
    // Vixie cron's rule: when both day fields are restricted, either may match.
    bool matches_day(const cctz::civil_day& day) const;

    // Whether the civil time matches every field.
    bool matches(const cctz::civil_second& t) const;
};

// Parses 5 fields (minute hour day-of-month month day-of-week), 6 fields (with a
// leading second) or a macro (@yearly @annually @monthly @weekly @daily @midnight
// @hourly). Rejects, naming the offending part, anything malformed, out of range,
// or that can never fire (0 0 30 2 *). Throws Error(invalid_parameter).
CronExpr parse_cron(std::string_view text);

}  // namespace cadence::core
