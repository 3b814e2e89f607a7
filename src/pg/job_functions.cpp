// Internal SQL functions behind the job lifecycle: the timer a job needs, the
// append-only rule of the event log and retention pruning.
//
// cadence._transition, _retry_delay, _first_fire and _next_tick are 0.1.0's: the
// 0.2.0 SQL objects no longer call them (the lifecycle is core::apply_action, see
// transit.cpp), but the frozen 0.1.0 install script names them, so the library keeps
// them for as long as that script can be installed and updated from.
#include "pg/postgres.hpp"

#include <vector>

#include "core/error.hpp"
#include "core/job_state.hpp"
#include "core/job_timer.hpp"
#include "core/retry_policy.hpp"
#include "core/trigger.hpp"
#include "pg/boundary.hpp"
#include "pg/convert.hpp"
#include "pg/text.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "utils/tuplestore.h"
}

using namespace cadence;

namespace {

// True only while cadence._prune deletes events.
bool pruning = false;

struct PruningScope {
    PruningScope() { pruning = true; }
    ~PruningScope() { pruning = false; }
};

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

// Trigger on cadence.job_events: events are never updated or deleted, except by
// cadence._prune.
CADENCE_SQL_FUNCTION(cadence_events_are_append_only) {
    auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (data == nullptr || !CALLED_AS_TRIGGER(fcinfo))
        throw core::Error(core::ErrorKind::internal, "cadence._events_are_append_only must be a trigger");
    if (pruning && TRIGGER_FIRED_BY_DELETE(data->tg_event)) return PointerGetDatum(data->tg_trigtuple);
    throw core::Error(core::ErrorKind::wrong_state,
                      "cadence.job_events is append-only: events are never updated or deleted",
                      {}, "Old events are removed with cadence.prune_events(older_than).");
}

// cadence._prune(older_than timestamptz) RETURNS bigint: deletes events older than
// the cut-off, except those that still define a live job's state (its latest status
// event and later ones, and its latest pause or resume).
CADENCE_SQL_FUNCTION(cadence_prune) {
    TimestampTz cutoff = PG_GETARG_TIMESTAMPTZ(0);
    PruningScope scope;
    int64 deleted = pg::pg_guard([&]() noexcept {
        static const char* query =
            "DELETE FROM cadence.job_events e WHERE e.at < $1"
            " AND NOT EXISTS (SELECT 1 FROM cadence.jobs_status s"
            "                 WHERE s.job_id = e.job_id AND e.id >= s.status_event_id)"
            " AND NOT (e.event IN ('paused', 'resumed') AND EXISTS ("
            "     SELECT 1 FROM cadence.jobs_status s WHERE s.job_id = e.job_id)"
            "     AND e.id = (SELECT max(p.id) FROM cadence.job_events p"
            "                 WHERE p.job_id = e.job_id AND p.event IN ('paused', 'resumed')))";
        Oid types[1] = {TIMESTAMPTZOID};
        Datum values[1] = {TimestampTzGetDatum(cutoff)};
        SPI_connect();
        int rc = SPI_execute_with_args(query, 1, types, values, nullptr, false, 0);
        if (rc != SPI_OK_DELETE) elog(ERROR, "pruning cadence.job_events failed: %s", SPI_result_code_string(rc));
        int64 count = static_cast<int64>(SPI_processed);
        SPI_finish();
        return count;
    });
    PG_RETURN_INT64(deleted);
}

namespace {

std::optional<core::Instant> optional_instant(FunctionCallInfo fcinfo, int n, const char* what) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return pg::to_instant(PG_GETARG_TIMESTAMPTZ(n), what);
}

core::Trigger trigger_arg(FunctionCallInfo fcinfo, int n) {
    Jsonb* descriptor = pg::pg_guard([&]() noexcept { return PG_GETARG_JSONB_P(n); });
    return core::parse_trigger(pg::jsonb_text(descriptor));
}

}  // namespace

// cadence._next_tick(trigger jsonb, after timestamptz, created_at timestamptz)
// RETURNS timestamptz: NULL for a once trigger.
CADENCE_SQL_FUNCTION(cadence_next_tick) {
    core::Trigger trigger = trigger_arg(fcinfo, 0);
    auto tick = core::next_tick(trigger, pg::to_instant(PG_GETARG_TIMESTAMPTZ(1), "after"),
                                pg::to_instant(PG_GETARG_TIMESTAMPTZ(2), "created_at"));
    if (!tick || !core::in_range(*tick)) PG_RETURN_NULL();
    PG_RETURN_TIMESTAMPTZ(pg::to_timestamptz(*tick));
}

// cadence._timer(status, paused, kind, trigger, created_at, run_at, lease_expires_at,
// fire_base, OUT timer_at, OUT timer_kind)
CADENCE_SQL_FUNCTION(cadence_timer) {
    for (int i : {0, 1, 2, 3, 4})
        if (PG_ARGISNULL(i)) throw core::Error(core::ErrorKind::internal, "cadence._timer: null argument");
    core::Trigger trigger = trigger_arg(fcinfo, 3);
    core::JobTimerInput job{status_arg(fcinfo, 0),
                            static_cast<bool>(PG_GETARG_BOOL(1)),
                            pg::text_arg(fcinfo, 2) == "external",
                            &trigger,
                            pg::to_instant(PG_GETARG_TIMESTAMPTZ(4), "created_at"),
                            optional_instant(fcinfo, 5, "run_at"),
                            optional_instant(fcinfo, 6, "lease_expires_at"),
                            optional_instant(fcinfo, 7, "fire_base")};
    auto timer = core::job_timer(job);
    if (timer && !core::in_range(timer->at)) timer.reset();
    text* kind = timer ? pg::to_text(core::to_string(timer->kind)) : nullptr;
    return pg::pg_guard([&]() noexcept {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "cadence._timer must return a record");
        desc = BlessTupleDesc(desc);
        Datum values[2] = {timer ? TimestampTzGetDatum(pg::to_timestamptz(timer->at)) : (Datum)0,
                           PointerGetDatum(kind)};
        bool nulls[2] = {!timer, !timer};
        return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
    });
}
