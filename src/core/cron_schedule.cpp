#include "core/cron_schedule.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {

// Index of the first set bit at or after `from`, or -1.
template <size_t N>
int next_set(const std::bitset<N>& bits, int from) {
    for (int i = from; i < static_cast<int>(N); ++i)
        if (bits[i]) return i;
    return -1;
}

Seconds floor_seconds(Instant t) { return std::chrono::floor<std::chrono::seconds>(t); }

}  // namespace

std::optional<cctz::civil_second> cron_next_match(const CronExpr& expr,
                                                  const cctz::civil_second& from) {
    const auto last_year = from.year() + 400;
    cctz::civil_second t = from;
    while (t.year() <= last_year) {
        if (!expr.months[t.month()]) {
            t = cctz::civil_second(cctz::civil_month(t) + 1);
            continue;
        }
        cctz::civil_day day(t);
        if (!expr.matches_day(day)) {
            t = cctz::civil_second(day + 1);
            continue;
        }
        if (!expr.hours[t.hour()]) {
            int hour = next_set(expr.hours, t.hour());
            t = hour < 0 ? cctz::civil_second(day + 1)
                         : cctz::civil_second(t.year(), t.month(), t.day(), hour, 0, 0);
            continue;
        }
        if (!expr.minutes[t.minute()]) {
            int minute = next_set(expr.minutes, t.minute());
            t = minute < 0 ? cctz::civil_second(cctz::civil_hour(t) + 1)
                           : cctz::civil_second(t.year(), t.month(), t.day(), t.hour(), minute, 0);
            continue;
        }
        if (!expr.seconds[t.second()]) {
            int second = next_set(expr.seconds, t.second());
            t = second < 0 ? cctz::civil_second(cctz::civil_minute(t) + 1)
                           : cctz::civil_second(t.year(), t.month(), t.day(), t.hour(),
                                                t.minute(), second);
            continue;
        }
        return t;
    }
    return std::nullopt;
}

std::optional<Instant> cron_next_fire_after(const CronExpr& expr, const cctz::time_zone& zone,
                                            Instant t) {
    const Seconds after = floor_seconds(t);  // fires are whole seconds: first one > after

    // 1. Every matching wall-clock time at its first occurrence, a skipped one at the
    // end of its gap. This mapping never decreases as wall-clock time increases, so
    // the first matching time that maps past t is the earliest such fire.
    std::optional<Seconds> first;
    cctz::civil_second cursor = cctz::convert(after, zone) + 1;
    while (auto match = cron_next_match(expr, cursor)) {
        const auto lookup = zone.lookup(*match);
        Seconds fire = lookup.kind == cctz::time_zone::civil_lookup::SKIPPED ? lookup.trans
                                                                             : lookup.pre;
        if (fire > after) {
            first = fire;
            break;
        }
        // Only when t lies in a repeated hour's second pass (or just after a gap):
        // every wall-clock time up to the end of that hour (or gap) maps before t.
        cctz::civil_second next = *match + 1;
        if (lookup.kind == cctz::time_zone::civil_lookup::REPEATED) {
            next = std::max(next, cctz::convert(lookup.trans - std::chrono::seconds(1), zone) + 1);
        } else if (lookup.kind == cctz::time_zone::civil_lookup::SKIPPED) {
            next = std::max(next, cctz::convert(lookup.trans, zone));
        }
        cursor = next;
    }
    if (!first) return std::nullopt;

    // 2. With an hour field of * or a step, the second occurrence of a repeated
    // wall-clock time fires too. Look at each fall-back transition that could
    // produce a second occurrence between t and the first candidate.
    if (expr.every_hour_occurrence) {
        cctz::time_zone::civil_transition transition;
        // Start with the transition before t: t may lie inside its repeated hour.
        Seconds probe = after + std::chrono::seconds(1);
        bool have = zone.prev_transition(probe, &transition);
        if (!have) have = zone.next_transition(probe, &transition);
        while (have) {
            const Seconds at = zone.lookup(transition.to).trans;
            if (at >= *first) break;
            if (transition.to < transition.from) {  // fall back: [to, from) occurs twice
                // The second occurrence of wall-clock time c is at + (c - to).
                cctz::civil_second begin = transition.to;
                if (after >= at) begin = transition.to + ((after - at).count() + 1);
                if (begin < transition.from) {
                    auto match = cron_next_match(expr, begin);
                    if (match && *match < transition.from) {
                        Seconds second = at + std::chrono::seconds(*match - transition.to);
                        if (second > after && second < *first) first = second;
                        break;
                    }
                }
            }
            have = zone.next_transition(at, &transition);
        }
    }
    return Instant(*first);
}

}  // namespace cadence::core
