// SQL functions that report on the extension itself: its version and its scheduler.
#include "pg/postgres.hpp"

#include "core/version.hpp"
#include "pg/boundary.hpp"
#include "pg/shared_state.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/htup_details.h"
}

using namespace cadence;

// cadence.version() RETURNS text
CADENCE_SQL_FUNCTION(cadence_version) {
    PG_RETURN_TEXT_P(pg::to_text(core::version()));
}

// cadence.scheduler_state(OUT pid int, OUT database oid, OUT started_at timestamptz):
// one row, with nulls while no scheduler runs.
CADENCE_SQL_FUNCTION(cadence_scheduler_state) {
    pg::SchedulerState& shared = pg::require_shared_state("cadence.scheduler");
    SpinLockAcquire(&shared.mutex);
    pid_t pid = shared.pid;
    TimestampTz started_at = shared.started_at;
    Oid database = shared.database;
    SpinLockRelease(&shared.mutex);

    return pg::pg_guard([&]() noexcept {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "cadence.scheduler_state must return a record");
        desc = BlessTupleDesc(desc);
        Datum values[3] = {Int32GetDatum(pid), ObjectIdGetDatum(database),
                           TimestampTzGetDatum(started_at)};
        bool nulls[3] = {pid == 0, pid == 0, pid == 0};
        return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
    });
}
