#include "pg/launcher.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pg/boundary.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

namespace {

// A scheduler that ended while its slot was still claimed is started again this
// much later (and so is one the postmaster had no worker slot for).
constexpr int retry_ms = 1000;
// Seconds before the postmaster restarts a launcher that ended (it is static).
constexpr int restart_delay_seconds = 1;

// What the launcher knows of each slot's scheduler.
struct Served {
    Oid database = InvalidOid;
    BackgroundWorkerHandle* handle = nullptr;  // the scheduler it started, if any
    TimestampTz retry_at = 0;                  // no start before this
};
std::vector<Served> served;
bool said_no_worker = false;  // max_worker_processes was said too small (once per episode)
bool said_table_full = false;

// What a look at pg_database says of one database.
enum class DatabaseCheck { servable, gone, not_servable };

DatabaseCheck check_database(Oid database, char* name, size_t size) {
    return pg_guard([&]() noexcept {
        StartTransactionCommand();
        HeapTuple tuple = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(database));
        DatabaseCheck check = DatabaseCheck::gone;
        if (HeapTupleIsValid(tuple)) {
            auto* row = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
            strlcpy(name, NameStr(row->datname), size);
            check = row->datallowconn && !row->datistemplate && database_allowed(name)
                        ? DatabaseCheck::servable
                        : DatabaseCheck::not_servable;
            ReleaseSysCache(tuple);
        }
        CommitTransactionCommand();
        return check;
    });
}

// One pass over pg_database (a shared catalog: the launcher is connected to no
// database): every database that may be served gets a slot, and its scheduler
// finds out whether the extension is there.
void probe_databases() {
    Oid* found = nullptr;
    int count = pg_guard([&]() noexcept {
        StartTransactionCommand();
        (void)GetTransactionSnapshot();
        int n = 0;
        int capacity = 16;
        found = static_cast<Oid*>(MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * capacity));
        Relation rel = table_open(DatabaseRelationId, AccessShareLock);
        TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
        HeapTuple tuple;
        while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
            auto* row = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
            if (!row->datallowconn || row->datistemplate || !database_allowed(NameStr(row->datname)))
                continue;
            if (n == capacity) {
                capacity *= 2;
                found = static_cast<Oid*>(repalloc(found, sizeof(Oid) * capacity));
            }
            found[n++] = row->oid;
        }
        table_endscan(scan);
        table_close(rel, AccessShareLock);
        CommitTransactionCommand();
        return n;
    });
    for (int i = 0; i < count; ++i) {
        if (claim_slot(found[i]) < 0 && !said_table_full) {
            said_table_full = true;
            pg_guard([&]() noexcept {
                ereport(WARNING, (errmsg("pg_cadence serves at most %d databases", max_databases),
                                  errdetail("%d databases may have the extension; the others are not "
                                            "looked at.", count),
                                  errhint("Raise cadence.max_databases (a restart is needed).")));
            });
        }
    }
    pg_guard([&]() noexcept { pfree(found); });
}

// Databases no longer allowed by cadence.database_name lose their slot (their
// scheduler is told to end); newly allowed ones are probed.
void apply_allow_list() {
    for (int i = 0; i < slot_count(); ++i) {
        SchedulerState* slot = slot_at(i);
        Oid database = slot->database;
        if (!OidIsValid(database)) continue;
        char name[NAMEDATALEN] = "";
        if (check_database(database, name, sizeof(name)) == DatabaseCheck::servable) continue;
        stop_scheduler(slot);
        (void)release_slot(i, database, pg_atomic_read_u64(&slot->extension_generation));
    }
    probe_databases();
}

// Starts the scheduler of slot `index`. Returns whether the postmaster took it.
bool start_scheduler(int index, Oid database, const char* name) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;  // the launcher restarts it
    strlcpy(worker.bgw_library_name, "pg_cadence", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "cadence_scheduler_main", BGW_MAXLEN);
    snprintf(worker.bgw_name, BGW_MAXLEN, "pg_cadence scheduler for %s", name);
    strlcpy(worker.bgw_type, "pg_cadence scheduler", BGW_MAXLEN);
    worker.bgw_main_arg = Int32GetDatum(index);
    memcpy(worker.bgw_extra, &database, sizeof(database));
    worker.bgw_notify_pid = MyProcPid;
    Served& s = served[index];
    bool started = pg_guard([&]() noexcept {
        MemoryContext previous = MemoryContextSwitchTo(TopMemoryContext);  // kept until reaped
        bool registered = RegisterDynamicBackgroundWorker(&worker, &s.handle);
        MemoryContextSwitchTo(previous);
        return registered;
    });
    if (started) {
        if (said_no_worker)
            pg_guard([&]() noexcept { ereport(LOG, (errmsg("pg_cadence starts schedulers again"))); });
        said_no_worker = false;
        return true;
    }
    s.handle = nullptr;
    if (!said_no_worker) {
        said_no_worker = true;
        pg_guard([&]() noexcept {
            ereport(WARNING,
                    (errmsg("pg_cadence could not start the scheduler of database \"%s\": no background "
                            "worker slot is free",
                            name),
                     errdetail("max_worker_processes is %d; pg_cadence needs one for its launcher, one per "
                               "served database and up to cadence.max_executors (%d) for SQL jobs.",
                               max_worker_processes, max_executors),
                     errhint("Raise max_worker_processes or lower cadence.max_executors (both need a restart); "
                             "it is tried again every second.")));
        });
    }
    return false;
}

// Starts what is missing. Returns how long to sleep at most (ms), or -1 for no limit.
long manage_slots() {
    long sleep_ms = -1;
    TimestampTz now = GetCurrentTimestamp();
    for (int i = 0; i < slot_count(); ++i) {
        SchedulerState* slot = slot_at(i);
        Served& s = served[i];
        SpinLockAcquire(&slot->mutex);
        Oid database = slot->database;
        bool paused = slot->paused;
        pid_t pid = slot->pid;
        SpinLockRelease(&slot->mutex);

        if (s.handle != nullptr) {
            pid_t ignored;
            BgwHandleStatus status = pg_guard([&]() noexcept { return GetBackgroundWorkerPid(s.handle, &ignored); });
            if (status == BGWH_STOPPED) {
                pg_guard([&]() noexcept { pfree(s.handle); });
                s.handle = nullptr;
                // Ended with its slot still claimed: a crash, a termination, an error.
                if (database == s.database) s.retry_at = TimestampTzPlusMilliseconds(now, retry_ms);
            }
        }
        if (database != s.database) {
            // A new claim (or none): a scheduler of the former database ends by itself.
            s.database = database;
            s.retry_at = 0;
        }
        if (!OidIsValid(database) || paused || pid != 0 || s.handle != nullptr) continue;
        if (s.retry_at > now) {
            long wait = static_cast<long>((s.retry_at - now) / 1000) + 1;
            sleep_ms = sleep_ms < 0 ? wait : std::min(sleep_ms, wait);
            continue;
        }
        char name[NAMEDATALEN] = "";
        switch (check_database(database, name, sizeof(name))) {
        case DatabaseCheck::gone:
            forget_database(database);
            continue;
        case DatabaseCheck::not_servable:
            if (release_slot(i, database, pg_atomic_read_u64(&slot->extension_generation)))
                pg_guard([&]() noexcept {
                    ereport(LOG, (errmsg("pg_cadence does not serve database \"%s\"", name),
                                  errdetail("It does not allow connections, is a template, or is not listed in "
                                            "cadence.database_name.")));
                });
            continue;
        case DatabaseCheck::servable:
            break;
        }
        if (!start_scheduler(i, database, name)) {
            s.retry_at = TimestampTzPlusMilliseconds(now, retry_ms);
            sleep_ms = sleep_ms < 0 ? retry_ms : std::min<long>(sleep_ms, retry_ms);
        }
    }
    return sleep_ms;
}

void launcher_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    register_launcher_process();
    served.assign(static_cast<size_t>(slot_count()), Served{});
    ereport(LOG, (errmsg("pg_cadence launcher started")));
    probe_databases();

    for (;;) {
        long sleep_ms = manage_slots();
        (void)pgstat_report_stat(true);
        int events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (sleep_ms >= 0 ? WL_TIMEOUT : 0);
        (void)WaitLatch(MyLatch, events, sleep_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if (ShutdownRequestPending) break;
        if (reload_configuration_if_asked()) apply_allow_list();
    }
    // Exit code 1: the postmaster starts it again after a pg_terminate_backend; the
    // schedulers it started go on meanwhile, and wake the new one when they end.
    proc_exit(1);
}

}  // namespace

void register_launcher() {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    // Only a primary schedules; a standby's launcher starts when it is promoted.
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = restart_delay_seconds;
    strlcpy(worker.bgw_library_name, "pg_cadence", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "cadence_launcher_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "pg_cadence launcher", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "pg_cadence launcher", BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

}  // namespace cadence::pg

void cadence_launcher_main(Datum arg) {
    cadence::pg::run_worker_boundary(cadence::pg::launcher_main, arg);
}
