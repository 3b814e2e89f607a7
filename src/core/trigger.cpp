#include "core/trigger.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <initializer_list>

#include "core/cron_schedule.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {

using json = nlohmann::json;

[[noreturn]] void reject(std::string_view kind, const std::string& why) {
    std::string what = kind.empty() ? "invalid trigger" : "invalid " + std::string(kind) + " trigger";
    throw Error(ErrorKind::invalid_parameter, what + ": " + why,
                {}, "A trigger looks like {\"kind\": \"cron\", \"expr\": \"0 9 * * *\", "
                    "\"timezone\": \"UTC\"}; see cadence.once(), cadence.every() and cadence.cron().");
}

void check_keys(const json& object, std::string_view kind,
                std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : object.items()) {
        bool known = false;
        for (auto name : allowed) known = known || key == name;
        if (!known) {
            std::string list;
            for (auto name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
            reject(kind, "unknown key \"" + key + "\" (allowed: " + list + ")");
        }
    }
}

const json& required(const json& object, std::string_view kind, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) reject(kind, std::string("missing \"") + key + "\"");
    return *it;
}

std::string string_member(const json& value, std::string_view kind, const char* key) {
    if (!value.is_string()) reject(kind, std::string("\"") + key + "\" must be a string");
    return value.get<std::string>();
}

Instant instant_member(const json& value, std::string_view kind, const char* key) {
    return parse_instant(string_member(value, kind, key), std::string(kind) + " trigger's " + key);
}

std::string seconds_text(Micros period) {
    auto count = period.count();
    std::string sign = count < 0 ? "-" : "";
    // |INT64_MIN| does not fit: such a period is negative, and that is all we say.
    auto magnitude = count < 0 ? (count == INT64_MIN ? INT64_MAX : -count) : count;
    std::string text = sign + std::to_string(magnitude / 1000000);
    if (auto fraction = magnitude % 1000000; fraction != 0) {
        std::string digits = std::to_string(1000000 + fraction).substr(1);
        while (digits.back() == '0') digits.pop_back();
        text += "." + digits;
    }
    return text;
}

// A value that is out of bounds: the message alone says it all.
[[noreturn]] void out_of_bounds(std::string_view kind, const std::string& why) {
    throw Error(ErrorKind::invalid_parameter, "invalid " + std::string(kind) + " trigger: " + why);
}

}  // namespace

OnceTrigger make_once(Instant at) { return OnceTrigger{at}; }

IntervalTrigger make_interval(Micros period, std::optional<Instant> anchor) {
    if (period <= Micros::zero()) {
        out_of_bounds("interval", "period " + seconds_text(period) + "s must be positive");
    }
    if (period < min_period) {
        out_of_bounds("interval", "period " + seconds_text(period) +
                               "s is shorter than the minimum of 1 second");
    }
    if (period > max_period) {
        out_of_bounds("interval", "period " + seconds_text(period) + "s is longer than 100 years");
    }
    return IntervalTrigger{period, anchor};
}

CronTrigger make_cron(std::string_view expr, std::string_view timezone) {
    CronExpr parsed = parse_cron(expr);
    return CronTrigger{std::move(parsed), std::string(timezone), load_zone(timezone)};
}

Trigger parse_trigger(std::string_view text) {
    json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) reject("", "not valid JSON");
    if (!object.is_object()) reject("", "expected a JSON object, found " + std::string(object.type_name()));
    std::string kind = string_member(required(object, "", "kind"), "", "kind");

    if (kind == "once") {
        check_keys(object, kind, {"kind", "at"});
        return make_once(instant_member(required(object, kind, "at"), kind, "at"));
    }
    if (kind == "interval") {
        check_keys(object, kind, {"kind", "period_seconds", "anchor"});
        const json& period = required(object, kind, "period_seconds");
        if (!period.is_number()) reject(kind, "\"period_seconds\" must be a number");
        double seconds = period.get<double>();
        if (!std::isfinite(seconds) || std::abs(seconds) > 1e12)
            out_of_bounds(kind, "\"period_seconds\" is out of range");
        std::optional<Instant> anchor;
        if (auto it = object.find("anchor"); it != object.end() && !it->is_null())
            anchor = instant_member(*it, kind, "anchor");
        return make_interval(Micros(std::llround(seconds * 1e6)), anchor);
    }
    if (kind == "cron") {
        check_keys(object, kind, {"kind", "expr", "timezone"});
        std::string expr = string_member(required(object, kind, "expr"), kind, "expr");
        std::string zone = "UTC";
        if (auto it = object.find("timezone"); it != object.end() && !it->is_null())
            zone = string_member(*it, kind, "timezone");
        return make_cron(expr, zone);
    }
    reject("", "unknown kind \"" + kind + "\" (expected once, interval or cron)");
}

std::string trigger_to_json(const Trigger& trigger) {
    json out;
    if (const auto* once = std::get_if<OnceTrigger>(&trigger)) {
        out["kind"] = "once";
        out["at"] = format_instant(once->at);
    } else if (const auto* interval = std::get_if<IntervalTrigger>(&trigger)) {
        out["kind"] = "interval";
        auto count = interval->period.count();
        if (count % 1000000 == 0) {
            out["period_seconds"] = count / 1000000;
        } else {
            out["period_seconds"] = static_cast<double>(count) / 1e6;
        }
        if (interval->anchor) out["anchor"] = format_instant(*interval->anchor);
    } else {
        const auto& cron = std::get<CronTrigger>(trigger);
        out["kind"] = "cron";
        out["expr"] = cron.expr.text;
        out["timezone"] = cron.timezone;
    }
    return out.dump();
}

std::optional<Instant> next_fire_after(const Trigger& trigger, Instant t, Instant default_anchor) {
    if (const auto* once = std::get_if<OnceTrigger>(&trigger)) {
        if (once->at > t) return once->at;
        return std::nullopt;
    }
    if (const auto* interval = std::get_if<IntervalTrigger>(&trigger)) {
        Instant anchor = interval->anchor.value_or(default_anchor);
        if (t < anchor) return anchor;
        auto periods = (t - anchor) / interval->period + 1;
        return anchor + periods * interval->period;
    }
    const auto& cron = std::get<CronTrigger>(trigger);
    return cron_next_fire_after(cron.expr, cron.zone, t);
}

}  // namespace cadence::core
