// The C functions of src/sql/executors.sql.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include <cstring>

#include "pg/boundary.hpp"
#include "pg/executor_pool.hpp"
#include "pg/database_slots.hpp"

extern "C" {
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

using namespace cadence;

// cadence._executor_slots(): each executor of this database, what it does now, and its runs.
CADENCE_SQL_FUNCTION(cadence_executor_slots) {
    // The pool exists exactly when the shared state does: when pg_cadence is preloaded.
    (void)pg::require_shared_state("cadence.executors");
    pg::pg_guard([&]() noexcept {
        InitMaterializedSRF(fcinfo, 0);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        int count = pg::executor_pool->count;
        auto* copy = static_cast<pg::ExecutorSlot*>(palloc(sizeof(pg::ExecutorSlot) * (count + 1)));
        LWLockAcquire(pg::executor_pool->lock, LW_SHARED);
        memcpy(copy, pg::executor_pool->slots, sizeof(pg::ExecutorSlot) * count);
        LWLockRelease(pg::executor_pool->lock);
        for (int i = 0; i < count; ++i) {
            const pg::ExecutorSlot& slot = copy[i];
            // This database's executors; one starting shows as such.
            if (slot.database != MyDatabaseId || (slot.pid == 0 && slot.lost_job != pg::no_job)) continue;
            bool running = slot.pid != 0 && slot.job_id != pg::no_job;
            // Stopping: canceled, or past its timeout, and not ended yet.
            bool stopping = running && (slot.stop_requested || slot.forced != pg::ForcedBy::nothing ||
                                        (slot.deadline != 0 && GetCurrentTimestamp() >= slot.deadline));
            const char* state = slot.pid == 0 ? "starting" : stopping ? "stopping" : running ? "running" : "idle";
            Datum values[6] = {Int32GetDatum(i + 1), Int32GetDatum(slot.pid),
                               CStringGetTextDatum(state), Int64GetDatum(slot.job_id),
                               TimestampTzGetDatum(slot.run_started), Int64GetDatum(slot.runs)};
            bool nulls[6] = {false, slot.pid == 0, false, !running, !running, slot.pid == 0};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        }
    });
    return (Datum)0;
}
