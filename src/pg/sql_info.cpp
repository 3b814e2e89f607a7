// The C functions of src/sql/info.sql: what the extension reports on itself.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include <cstring>

#include "core/error.hpp"
#include "core/timer_map.hpp"
#include "core/version.hpp"
#include "pg/boundary.hpp"
#include "pg/event_horizon.hpp"
#include "pg/executor.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/htup_details.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"
}

using namespace cadence;

// cadence.version() RETURNS text
CADENCE_SQL_FUNCTION(cadence_version) {
    PG_RETURN_TEXT_P(pg::to_text(core::version()));
}

// cadence.scheduler_state(OUT pid, database, started_at, timers, fires, loaded_timers,
// load_ms, last_load, resyncs, last_error): one row, nulls while no scheduler runs.
CADENCE_SQL_FUNCTION(cadence_scheduler_state) {
    pg::SchedulerState& shared = pg::require_shared_state("cadence.scheduler");
    SpinLockAcquire(&shared.mutex);
    pg::SchedulerState copy = shared;
    SpinLockRelease(&shared.mutex);

    return pg::pg_guard([&]() noexcept {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "cadence.scheduler_state must return a record");
        desc = BlessTupleDesc(desc);
        bool running = copy.pid != 0;
        Datum values[10] = {Int32GetDatum(copy.pid),
                            ObjectIdGetDatum(copy.database),
                            TimestampTzGetDatum(copy.started_at),
                            Int64GetDatum(copy.timers),
                            Int64GetDatum(copy.fires),
                            Int64GetDatum(copy.loaded_timers),
                            Float8GetDatum(copy.load_ms),
                            TimestampTzGetDatum(copy.last_load),
                            Int64GetDatum(copy.resyncs),
                            CStringGetTextDatum(copy.last_error)};
        bool nulls[10];
        for (bool& null : nulls) null = !running;
        if (running && copy.last_load == 0) nulls[5] = nulls[6] = nulls[7] = true;
        if (running && copy.last_error[0] == '\0') nulls[9] = true;
        return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
    });
}

// cadence._served_databases(): a row per database with a slot (database_slots.hpp).
CADENCE_SQL_FUNCTION(cadence_served_databases) {
    (void)pg::require_shared_state("cadence.databases");
    pg::pg_guard([&]() noexcept {
        InitMaterializedSRF(fcinfo, 0);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        for (int i = 0; i < pg::slot_count(); ++i) {
            pg::SchedulerState* slot = pg::slot_at(i);
            SpinLockAcquire(&slot->mutex);
            Oid database = slot->database;
            pid_t pid = slot->pid;
            TimestampTz started_at = slot->started_at;
            int64 timers = slot->timers;
            int64 fires = slot->fires;
            char last_error[sizeof(slot->last_error)];
            memcpy(last_error, slot->last_error, sizeof(last_error));
            SpinLockRelease(&slot->mutex);
            if (!OidIsValid(database)) continue;
            int executors = 0;
            int running = 0;
            pg::executor_counts(database, &executors, &running);
            bool waiting = pg_atomic_read_u32(&slot->starved) != 0;
            Datum values[9] = {ObjectIdGetDatum(database), Int32GetDatum(pid), TimestampTzGetDatum(started_at),
                               Int64GetDatum(timers), Int64GetDatum(fires), Int32GetDatum(executors),
                               Int32GetDatum(running), BoolGetDatum(waiting), CStringGetTextDatum(last_error)};
            bool nulls[9] = {false, pid == 0, pid == 0, pid == 0, pid == 0, false, false, false,
                             last_error[0] == '\0'};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        }
    });
    return (Datum)0;
}

// cadence.publisher_pid() RETURNS int: the process that publishes this database's
// status changes (its scheduler), NULL while none runs. Listeners compare it with
// the sender of each notification: any role can NOTIFY, only this one publishes.
CADENCE_SQL_FUNCTION(cadence_publisher_pid) {
    pg::SchedulerState* shared = pg::shared_state();
    if (shared == nullptr) PG_RETURN_NULL();
    SpinLockAcquire(&shared->mutex);
    pid_t pid = shared->pid;
    SpinLockRelease(&shared->mutex);
    if (pid == 0) PG_RETURN_NULL();
    PG_RETURN_INT32(pid);
}

// cadence.service() RETURNS text: whether pg_cadence serves this database, for
// clients that check before they listen (cadence.database_name itself is readable
// by superusers only): 'served', 'not preloaded' (no worker runs anywhere) or
// 'not listed' (cadence.database_name leaves this database out).
CADENCE_SQL_FUNCTION(cadence_service) {
    return pg::pg_guard([&]() noexcept {
        const char* state = !pg::shared_memory_ready()                             ? "not preloaded"
                            : !pg::database_allowed(get_database_name(MyDatabaseId)) ? "not listed"
                                                                                     : "served";
        return PointerGetDatum(cstring_to_text(state));
    });
}

// cadence.status_horizon() RETURNS bigint: every event with a smaller id is
// committed or rolled back (see docs/status-positions.md).
CADENCE_SQL_FUNCTION(cadence_status_horizon) {
    return pg::pg_guard([&]() noexcept { return Int64GetDatum(pg::settled_horizon()); });
}
