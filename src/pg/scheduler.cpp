#include "pg/scheduler.hpp"

#include <cstring>

#include "pg/boundary.hpp"
#include "pg/publication.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"
}

namespace cadence::pg {

namespace {

// Seconds before the postmaster restarts a scheduler that exited with an error.
constexpr int restart_delay_seconds = 5;

void publish_running(Oid database) {
    SchedulerState* state = shared_state();
    SpinLockAcquire(&state->mutex);
    state->pid = MyProcPid;
    state->started_at = GetCurrentTimestamp();
    state->database = database;
    SpinLockRelease(&state->mutex);
}

// Runs on every exit, also FATAL, so the shared state never names a dead pid.
void publish_stopped(int, Datum) {
    SchedulerState* state = shared_state();
    SpinLockAcquire(&state->mutex);
    if (state->pid == MyProcPid) state->pid = 0;
    SpinLockRelease(&state->mutex);
}

// No C++ object with a destructor lives in this frame: PostgreSQL's errors may
// longjmp straight out of it (a worker's ERROR ends the process).
void scheduler_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();

    BackgroundWorkerInitializeConnection(database_name, nullptr, 0);
    publish_running(MyDatabaseId);
    before_shmem_exit(publish_stopped, 0);
    become_publisher();
    ereport(LOG, (errmsg("pg_cadence scheduler started in database \"%s\"", database_name)));

    for (;;) {
        // Committing backends set the latch after handing over their events.
        publish_pending();

        // No timeout: nothing is due, so the worker sleeps until something wakes it.
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();

        if (ShutdownRequestPending) break;
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            ereport(LOG, (errmsg("pg_cadence scheduler reloaded its configuration")));
        }
    }

    ereport(LOG, (errmsg("pg_cadence scheduler shutting down")));
    proc_exit(0);
}

}  // namespace

void register_scheduler() {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    // Only a primary schedules; a standby's scheduler starts when it is promoted.
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = restart_delay_seconds;
    strlcpy(worker.bgw_library_name, "pg_cadence", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "cadence_scheduler_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "pg_cadence scheduler", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "pg_cadence scheduler", BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

}  // namespace cadence::pg

void cadence_scheduler_main(Datum arg) {
    cadence::pg::run_worker_boundary(cadence::pg::scheduler_main, arg);
}
