// Property test: for many random expressions, zones and start times, the next fire
// is after the start, is a fire, and no fire lies between them. "Is a fire" is
// decided here independently of cron_schedule.cpp, instant by instant, from
// design.md's daylight-saving rules.
#include <gtest/gtest.h>

#include <random>

#include "core/cron_schedule.hpp"
#include "test_support.hpp"

namespace cadence::core {
namespace {

using std::chrono::seconds;

class ExpressionGenerator {
public:
    explicit ExpressionGenerator(uint32_t seed) : rng_(seed) {}

    // Any expression; with `daily`, the day fields are * so that it fires on the day
    // of a daylight-saving transition.
    std::string expression(bool daily) {
        std::string e;
        if (chance(0.25)) e = field(0, 59, 0.6) + " ";  // seconds
        e += field(0, 59, 0.3) + " " + field(0, 23, 0.5) + " ";
        if (daily) return e + "* * *";
        return e + day_of_month() + " " + field(1, 12, 0.7) + " " + day_of_week();
    }

private:
    bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }
    int pick(int lo, int hi) { return std::uniform_int_distribution<>(lo, hi)(rng_); }

    std::string field(int lo, int hi, double star) {
        if (chance(star)) return chance(0.7) ? "*" : "*/" + std::to_string(pick(1, hi - lo));
        switch (pick(0, 3)) {
        case 0: return std::to_string(pick(lo, hi));
        case 1: {
            int a = pick(lo, hi);
            return std::to_string(a) + "-" + std::to_string(pick(a, hi));
        }
        case 2: {
            int a = pick(lo, hi);
            return std::to_string(a) + "-" + std::to_string(pick(a, hi)) + "/" +
                   std::to_string(pick(1, hi - lo));
        }
        default: return std::to_string(pick(lo, hi)) + "," + std::to_string(pick(lo, hi));
        }
    }
    std::string day_of_month() {
        if (chance(0.15)) return "L";
        return field(1, 28, 0.6);
    }
    std::string day_of_week() {
        if (chance(0.1)) return std::to_string(pick(0, 6)) + "#" + std::to_string(pick(1, 4));
        return field(0, 6, 0.6);
    }

    std::mt19937 rng_;
};

// Whether the instant s is a fire of expr in zone, judged instant by instant.
bool is_fire(const CronExpr& expr, const cctz::time_zone& zone, Seconds s) {
    cctz::civil_second civil = cctz::convert(s, zone);
    cctz::civil_second before = cctz::convert(s - seconds(1), zone);
    // s is the first instant after a gap: fires if any skipped time matches.
    if (civil - before > 1) {
        for (cctz::civil_second c = before + 1; c < civil; ++c)
            if (expr.matches(c)) return true;
    }
    if (!expr.matches(civil)) return false;
    auto lookup = zone.lookup(civil);
    if (lookup.kind != cctz::time_zone::civil_lookup::REPEATED) return true;
    return s == lookup.pre || expr.every_hour_occurrence;
}

TEST(CronProperty, NextFireIsTheFirstFireAfterT) {
    struct Transition {
        const char* zone;
        int64_t at;  // Unix seconds
    };
    const Transition transitions[] = {
        {"America/New_York", 1772953200},     // 2026-03-08 02:00 -> 03:00
        {"America/New_York", 1793512800},     // 2026-11-01 02:00 -> 01:00
        {"Europe/Berlin", 1774746000},        // 2026-03-29 02:00 -> 03:00
        {"Europe/Berlin", 1792890000},        // 2026-10-25 03:00 -> 02:00
        {"Australia/Lord_Howe", 1775313000},  // 2026-04-05 02:00 -> 01:30
        {"Australia/Lord_Howe", 1791041400},  // 2026-10-04 02:00 -> 02:30
        {"Australia/Sydney", 1775318400},     // 2026-04-05 03:00 -> 02:00
        {"Australia/Sydney", 1791043200},     // 2026-10-04 02:00 -> 03:00
        {"UTC", 1790000000},                  // no transition
    };
    ExpressionGenerator generator(20261124);
    std::mt19937_64 rng(42);
    int checked = 0;
    for (int i = 0; i < 3000; ++i) {
        // Half the cases start within three hours of a transition with a daily
        // schedule; the others are any expression at any time in 2020-2030.
        bool near_transition = i % 2 == 0;
        std::string text = generator.expression(near_transition);
        CronExpr expr;
        try {
            expr = parse_cron(text);
        } catch (const std::exception&) {
            continue;  // e.g. a day pattern that never fires
        }
        const Transition& tr = transitions[rng() % std::size(transitions)];
        const char* zone_name = tr.zone;
        cctz::time_zone zone = load_zone(zone_name);
        Seconds start = near_transition
            ? Seconds(seconds(tr.at - 3 * 3600 + static_cast<int64_t>(rng() % (4 * 3600))))
            : Seconds(seconds(1577836800 + static_cast<int64_t>(rng() % (10ull * 365 * 86400))));
        Instant t = Instant(start) + Micros(rng() % 1000000);
        SCOPED_TRACE(text + " in " + zone_name + " after " + format_instant(t));

        auto next = cron_next_fire_after(expr, zone, t);
        ASSERT_TRUE(next.has_value());
        ASSERT_GT(*next, t);
        Seconds result = std::chrono::floor<seconds>(*next);
        ASSERT_EQ(Instant(result), *next) << "fires fall on whole seconds";
        ASSERT_TRUE(is_fire(expr, zone, result)) << "result " << format_instant(*next);

        // Brute force: no fire between t and the result, within a bounded window.
        Seconds first = std::chrono::floor<seconds>(t) + seconds(1);
        Seconds window_end = first + (expr.has_seconds_field ? seconds(3 * 3600) : seconds(3 * 86400));
        Seconds end = std::min(result, window_end);
        // Without a seconds field, fires (including ends of gaps) fall on whole minutes.
        seconds step = expr.has_seconds_field ? seconds(1) : seconds(60);
        Seconds s = first;
        if (!expr.has_seconds_field) s = std::chrono::ceil<std::chrono::minutes>(first);
        for (; s < end; s += step) {
            ASSERT_FALSE(is_fire(expr, zone, s)) << "missed fire at " << format_instant(Instant(s))
                                                 << ", returned " << format_instant(*next);
        }
        ++checked;
    }
    EXPECT_GT(checked, 2000);
}

}  // namespace
}  // namespace cadence::core
