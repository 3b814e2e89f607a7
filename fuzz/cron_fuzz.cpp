// libFuzzer target for the trigger parsers. Any input must either be rejected with
// cadence::core::Error or yield a schedule whose next fires are ordered, strictly
// increasing, and match the expression. Built and run by scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/cron_schedule.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "core/trigger.hpp"

namespace {

using namespace cadence::core;

void check_cron(const std::string& text) {
    CronExpr expr;
    try {
        expr = parse_cron(text);
    } catch (const Error&) {
        return;
    }
    static const cctz::time_zone zones[] = {load_zone("UTC"), load_zone("America/New_York"),
                                            load_zone("Australia/Lord_Howe")};
    for (const auto& zone : zones) {
        Instant t = instant_from_unix_micros(1793500000123456);  // around a fall-back
        for (int i = 0; i < 4; ++i) {
            auto next = cron_next_fire_after(expr, zone, t);
            if (!next) abort();  // parse_cron guarantees a fire within 400 years
            if (*next <= t) abort();
            auto civil = cctz::convert(std::chrono::floor<std::chrono::seconds>(*next), zone);
            auto before = cctz::convert(std::chrono::floor<std::chrono::seconds>(*next) -
                                            std::chrono::seconds(1), zone);
            // Either the wall-clock time matches, or the fire ends a gap.
            if (!expr.matches(civil) && civil - before <= 1) abort();
            t = *next;
        }
    }
}

void check_trigger(const std::string& text) {
    try {
        Trigger trigger = parse_trigger(text);
        std::string json = trigger_to_json(trigger);
        // The normalised form parses to itself.
        if (trigger_to_json(parse_trigger(json)) != json) abort();
        Instant t = instant_from_unix_micros(1793500000000000);
        auto next = next_fire_after(trigger, t, t);
        if (next && *next <= t) abort();
    } catch (const Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    if (!text.empty() && text[0] == '{') {
        check_trigger(text);
    } else {
        check_cron(text);
    }
    return 0;
}
