// The C functions of src/sql/scheduler.sql.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"
#include "pg/compat.hpp"

#include "core/error.hpp"
#include "core/timer_map.hpp"
#include "pg/boundary.hpp"
#include "pg/database_slots.hpp"

extern "C" {
#include "funcapi.h"
#include "storage/dsm.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"
}

using namespace cadence;

// cadence._scheduler_timers(OUT job_id, OUT purpose, OUT due_at) RETURNS SETOF record:
// asks the scheduler for a snapshot of its map and reads it from shared memory.
// Sessions asking at once are served by one snapshot; nothing is locked, and the
// segment read is attached only for the reading (detached by the transaction's end
// whatever happens).
CADENCE_SQL_FUNCTION(cadence_scheduler_timers) {
    pg::SchedulerState& shared = pg::require_shared_state("cadence.timers");
    // Asks for a snapshot newer than any so far; returns the ticket to wait for.
    auto ask = [&]() {
        SpinLockAcquire(&shared.mutex);
        int scheduler = shared.procno;
        uint64 ticket = shared.snapshot_request + 1;
        if (scheduler >= 0) {
            shared.snapshot_request = ticket;
            shared.snapshot_requester = pg::compat::my_proc_number();
        }
        SpinLockRelease(&shared.mutex);
        if (scheduler < 0)
            throw core::Error(core::ErrorKind::wrong_state, "the pg_cadence scheduler is not running",
                              {}, "SELECT * FROM cadence.scheduler shows its state; the server log says why.");
        SetLatch(&ProcGlobal->allProcs[scheduler].procLatch);
        return ticket;
    };
    uint64 ticket = ask();
    for (int waited_ms = 0;; waited_ms += 10) {
        SpinLockAcquire(&shared.mutex);
        bool done = shared.snapshot_done >= ticket;
        dsm_handle handle = shared.snapshot_handle;
        SpinLockRelease(&shared.mutex);
        if (done) {
            bool read = pg::pg_guard([&]() noexcept {
                dsm_segment* segment = dsm_attach(handle);
                if (segment == nullptr) return false;  // replaced and gone already
                auto* snapshot = static_cast<pg::TimerSnapshot*>(dsm_segment_address(segment));
                if (dsm_segment_map_length(segment) < sizeof(pg::TimerSnapshot) ||
                    snapshot->magic != pg::TimerSnapshot::expected_magic || snapshot->request < ticket) {
                    dsm_detach(segment);
                    return false;
                }
                InitMaterializedSRF(fcinfo, 0);
                auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
                auto* entries = reinterpret_cast<const core::Timer*>(snapshot + 1);
                for (int64 i = 0; i < snapshot->count; ++i) {
                    Datum values[3] = {Int64GetDatum(entries[i].job_id),
                                       CStringGetTextDatum(core::to_string(entries[i].kind)),
                                       TimestampTzGetDatum(entries[i].due_us - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)};
                    bool nulls[3] = {false, false, false};
                    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
                }
                dsm_detach(segment);
                return true;
            });
            if (read) break;
            ticket = ask();  // a newer snapshot replaced it before it could be read
        }
        if (waited_ms > 30000)
            throw core::Error(core::ErrorKind::wrong_state,
                              "the pg_cadence scheduler did not answer within 30 seconds");
        pg::pg_guard([&]() noexcept {
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10,
                            PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
        });
    }
    return (Datum)0;
}
