// The C functions of src/sql/lifecycle.sql: the lifecycle's two faces (_transit,
// _step), the event log's ids, publication and pruning, and the timer of a job.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include <optional>

#include "core/error.hpp"
#include "core/job_state.hpp"
#include "core/job_timer.hpp"
#include "core/trigger.hpp"
#include "pg/boundary.hpp"
#include "pg/convert.hpp"
#include "pg/event_horizon.hpp"
#include "pg/event_log.hpp"
#include "pg/lifecycle_glue.hpp"
#include "pg/publication.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

using namespace cadence;

namespace {

core::JobStatus status_arg(FunctionCallInfo fcinfo, int n) {
    std::string text = pg::text_arg(fcinfo, n);
    auto status = core::parse_status(text);
    if (!status) throw core::Error(core::ErrorKind::internal, "unknown job status \"" + text + "\"");
    return *status;
}

std::optional<core::Instant> optional_instant(FunctionCallInfo fcinfo, int n, const char* what) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return pg::to_instant(PG_GETARG_TIMESTAMPTZ(n), what);
}

}  // namespace

// cadence._transit(caller oid, action text, ids bigint[], worker text, details jsonb[],
// lease interval, progress real, refuse boolean) RETURNS SETOF (job_id, status,
// attempt, kind, queue, run_at, fire_time, lease_expires_at, timer_at, timer_kind,
// refused): every move of existing jobs, a batch per statement (transit.cpp).
CADENCE_SQL_FUNCTION(cadence_transit) { return pg::transit(fcinfo); }

// cadence._step(action, worker, lease, progress, <the job's row>, trigger, created_at,
// backoff, refuse): one action on one job's row, for new jobs (step.cpp).
CADENCE_SQL_FUNCTION(cadence_step) { return pg::step(fcinfo); }

// cadence._next_event_id(sequence regclass) RETURNS bigint: the id of a new row of
// cadence.job_events (see event_horizon.hpp).
CADENCE_SQL_FUNCTION(cadence_next_event_id) {
    Oid sequence = PG_GETARG_OID(0);
    PG_RETURN_INT64(pg::next_event_id(sequence));
}

// cadence._publish_event(event_id, job_id, event, status, attempt, queue, at)
// RETURNS bigint: the same, returning the event id, so that an INSERT into the
// event log can publish each row it writes in its RETURNING list.
CADENCE_SQL_FUNCTION(cadence_publish_event) {
    pg::publish_event_args(fcinfo);
    PG_RETURN_INT64(PG_GETARG_INT64(0));
}

// cadence._prune(older_than timestamptz) RETURNS bigint: deletes events older than
// the cut-off, except those that still define a live job's state (its latest status
// event and later ones, and its latest pause or resume).
CADENCE_SQL_FUNCTION(cadence_prune) {
    PG_RETURN_INT64(pg::prune_events(PG_GETARG_TIMESTAMPTZ(0)));
}

// cadence._timer(status, paused, kind, trigger, created_at, run_at, lease_expires_at,
// fire_base, OUT timer_at, OUT timer_kind)
CADENCE_SQL_FUNCTION(cadence_timer) {
    for (int i : {0, 1, 2, 3, 4})
        if (PG_ARGISNULL(i)) throw core::Error(core::ErrorKind::internal, "cadence._timer: null argument");
    core::Trigger trigger = pg::trigger_arg(fcinfo, 3);
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
