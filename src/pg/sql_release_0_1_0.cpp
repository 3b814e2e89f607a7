// The C functions only 0.1.0's SQL objects call (src/sql/releases/pg_cadence--0.1.0.sql):
// _transition, _retry_delay, _first_fire, _next_tick, _publish and the API's
// cadence_gateway. 0.2.0's objects no longer call them (the lifecycle is
// core::apply_action, see transit.cpp), but a database keeps 0.1.0's objects until
// ALTER EXTENSION UPDATE, and the frozen script can still be installed and updated
// from, so the library keeps them.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include <vector>

#include "core/error.hpp"
#include "core/job_state.hpp"
#include "core/job_timer.hpp"
#include "core/retry_policy.hpp"
#include "core/trigger.hpp"
#include "pg/boundary.hpp"
#include "pg/convert.hpp"
#include "pg/lifecycle_glue.hpp"
#include "pg/publication.hpp"
#include "pg/text.hpp"
#include "pg/call_as_caller.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "access/htup_details.h"
#include "common/pg_prng.h"
#include "utils/tuplestore.h"
}

using namespace cadence;

namespace {

std::string optional_text_arg(FunctionCallInfo fcinfo, int n) {
    return PG_ARGISNULL(n) ? std::string() : pg::text_arg(fcinfo, n);
}

core::JobStatus status_arg(FunctionCallInfo fcinfo, int n) {
    std::string text = pg::text_arg(fcinfo, n);
    auto status = core::parse_status(text);
    if (!status) throw core::Error(core::ErrorKind::internal, "unknown job status \"" + text + "\"");
    return *status;
}

}  // namespace

// cadence._transition(job_id, status, attempt, max_attempts, paused, holder, action,
// worker) RETURNS SETOF (status text, attempt int)
CADENCE_SQL_FUNCTION(cadence_transition) {
    for (int i : {0, 1, 2, 3, 4, 6})
        if (PG_ARGISNULL(i)) throw core::Error(core::ErrorKind::internal, "cadence._transition: null argument");
    core::JobState state;
    state.job_id = PG_GETARG_INT64(0);
    state.status = status_arg(fcinfo, 1);
    state.attempt = PG_GETARG_INT32(2);
    state.max_attempts = PG_GETARG_INT32(3);
    state.paused = PG_GETARG_BOOL(4);
    state.worker = optional_text_arg(fcinfo, 5);
    std::string action_text = pg::text_arg(fcinfo, 6);
    auto action = core::parse_action(action_text);
    if (!action) throw core::Error(core::ErrorKind::internal, "unknown job action \"" + action_text + "\"");
    std::string worker = optional_text_arg(fcinfo, 7);

    std::vector<core::JobStep> steps = core::transition(state, *action, worker);
    std::vector<text*> names;
    for (const auto& step : steps) names.push_back(pg::to_text(core::to_string(step.status)));

    pg::pg_guard([&]() noexcept {
        InitMaterializedSRF(fcinfo, 0);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        for (size_t i = 0; i < steps.size(); ++i) {
            Datum values[2] = {PointerGetDatum(names[i]), Int32GetDatum(steps[i].attempt)};
            bool nulls[2] = {false, false};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        }
    });
    return (Datum)0;
}

// cadence._retry_delay(backoff interval, attempt int) RETURNS interval
CADENCE_SQL_FUNCTION(cadence_retry_delay) {
    core::Micros backoff = pg::to_duration(PG_GETARG_INTERVAL_P(0), "backoff");
    int attempt = PG_GETARG_INT32(1);
    double random = pg_prng_double(&pg_global_prng_state);
    core::Micros delay = core::retry_delay(backoff, attempt, random);
    auto* result = pg::pg_guard([&]() noexcept { return static_cast<Interval*>(palloc0(sizeof(Interval))); });
    result->time = delay.count();
    PG_RETURN_INTERVAL_P(result);
}

// cadence._first_fire(trigger jsonb, created_at timestamptz) RETURNS timestamptz:
// a once trigger's time (even if past: then the run is due at once), or the first
// tick strictly after creation.
CADENCE_SQL_FUNCTION(cadence_first_fire) {
    Jsonb* descriptor = pg::pg_guard([&]() noexcept { return PG_GETARG_JSONB_P(0); });
    core::Trigger trigger = core::parse_trigger(pg::jsonb_text(descriptor));
    auto first = core::first_fire(trigger, pg::to_instant(PG_GETARG_TIMESTAMPTZ(1), "created_at"));
    if (!first) PG_RETURN_NULL();
    PG_RETURN_TIMESTAMPTZ(pg::to_timestamptz(*first));
}


// cadence._next_tick(trigger jsonb, after timestamptz, created_at timestamptz)
// RETURNS timestamptz: NULL for a once trigger.
CADENCE_SQL_FUNCTION(cadence_next_tick) {
    core::Trigger trigger = pg::trigger_arg(fcinfo, 0);
    auto tick = core::next_tick(trigger, pg::to_instant(PG_GETARG_TIMESTAMPTZ(1), "after"),
                                pg::to_instant(PG_GETARG_TIMESTAMPTZ(2), "created_at"));
    if (!tick || !core::in_range(*tick)) PG_RETURN_NULL();
    PG_RETURN_TIMESTAMPTZ(pg::to_timestamptz(*tick));
}

// cadence._publish(event_id, job_id, event, status, attempt, queue, at) (0.1.0):
// queues an event for publication at commit.
CADENCE_SQL_FUNCTION(cadence_publish) {
    pg::publish_event_args(fcinfo);
    PG_RETURN_VOID();
}

// cadence_call_as_caller under the name 0.1.0's API functions use.
CADENCE_SQL_FUNCTION(cadence_gateway) { return pg::call_as_caller(fcinfo); }
