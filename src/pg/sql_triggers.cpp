// SQL functions that build, validate and evaluate trigger descriptors.
#include "pg/postgres.hpp"

#include <vector>

#include "core/error.hpp"
#include "core/trigger.hpp"
#include "pg/boundary.hpp"
#include "pg/convert.hpp"
#include "pg/text.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

using namespace cadence;

namespace {

// Most fire times cadence.next_fire_times computes in one call.
constexpr int max_fire_times = 100000;

Datum trigger_jsonb(const core::Trigger& trigger) {
    return pg::jsonb_from_text(core::trigger_to_json(trigger));
}

}  // namespace

// cadence.every(period interval, anchor timestamptz DEFAULT NULL) RETURNS jsonb
CADENCE_SQL_FUNCTION(cadence_every) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    core::Micros period = pg::to_duration(PG_GETARG_INTERVAL_P(0), "period");
    std::optional<core::Instant> anchor;
    if (!PG_ARGISNULL(1)) anchor = pg::to_instant(PG_GETARG_TIMESTAMPTZ(1), "anchor");
    return trigger_jsonb(core::make_interval(period, anchor));
}

// cadence.cron(expr text, timezone text DEFAULT 'UTC') RETURNS jsonb
CADENCE_SQL_FUNCTION(cadence_cron) {
    std::string expr = pg::text_arg(fcinfo, 0);
    std::string zone = pg::text_arg(fcinfo, 1);
    return trigger_jsonb(core::make_cron(expr, zone));
}

// cadence.once(at timestamptz DEFAULT now()) RETURNS jsonb
CADENCE_SQL_FUNCTION(cadence_once) {
    return trigger_jsonb(core::make_once(pg::to_instant(PG_GETARG_TIMESTAMPTZ(0), "at")));
}

// cadence.validate_trigger(trigger jsonb) RETURNS jsonb: the normalised descriptor.
CADENCE_SQL_FUNCTION(cadence_validate_trigger) {
    Jsonb* descriptor = pg::pg_guard([&]() noexcept { return PG_GETARG_JSONB_P(0); });
    return trigger_jsonb(core::parse_trigger(pg::jsonb_text(descriptor)));
}

// cadence.next_fire_times(trigger jsonb, after timestamptz DEFAULT now(), count int
// DEFAULT 5) RETURNS SETOF timestamptz. An interval without an anchor is anchored
// at `after`. Fire times past the year 9999 are not listed.
CADENCE_SQL_FUNCTION(cadence_next_fire_times) {
    Jsonb* descriptor = pg::pg_guard([&]() noexcept { return PG_GETARG_JSONB_P(0); });
    core::Trigger trigger = core::parse_trigger(pg::jsonb_text(descriptor));
    core::Instant after = pg::to_instant(PG_GETARG_TIMESTAMPTZ(1), "after");
    int32 count = PG_GETARG_INT32(2);
    if (count < 0 || count > max_fire_times) {
        throw core::Error(core::ErrorKind::invalid_parameter,
                          "count " + std::to_string(count) + " is out of range 0-" +
                              std::to_string(max_fire_times));
    }

    std::vector<TimestampTz> times;
    times.reserve(count);
    core::Instant t = after;
    while (static_cast<int32>(times.size()) < count) {
        auto next = core::next_fire_after(trigger, t, after);
        if (!next || !core::in_range(*next)) break;
        times.push_back(pg::to_timestamptz(*next));
        t = *next;
    }

    pg::pg_guard([&]() noexcept {
        InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        for (TimestampTz time : times) {
            Datum value = TimestampTzGetDatum(time);
            bool null = false;
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &null);
        }
    });
    return (Datum)0;
}
