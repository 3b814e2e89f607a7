// The executors' pool: its shared memory, and the schedulers' side (start, wake,
// tend, force stops, stop): see executor.hpp.
#include "pg/executor.hpp"
#include "pg/executor_pool.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/queue_limits.hpp"
#include "core/run_outcome.hpp"
#include "pg/boundary.hpp"
#include "pg/worker_transaction.hpp"
#include "pg/run_as.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"
#include "pg/text.hpp"
#include "pg/top_level.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"
}

namespace cadence::pg {

ExecutorPool* executor_pool = nullptr;

namespace {

constexpr const char* tranche_name = "pg_cadence executors";

Size pool_size() {
    return add_size(offsetof(ExecutorPool, slots), mul_size(sizeof(ExecutorSlot), max_executors));
}

void attach_pool() {
    bool found = false;
    executor_pool = static_cast<ExecutorPool*>(ShmemInitStruct("pg_cadence executor pool", pool_size(), &found));
    if (!found) {
        memset(executor_pool, 0, pool_size());
        executor_pool->lock = &(GetNamedLWLockTranche(tranche_name))->lock;
        executor_pool->count = max_executors;
        for (int i = 0; i < executor_pool->count; ++i) executor_pool->slots[i].procno = -1;
    }
}

}  // namespace

void executor_label(int index, char* out, size_t size) {
    snprintf(out, size, "pg_cadence executor %d", index + 1);
}

void wake_starved_schedulers() {
    for (int i = 0; i < slot_count(); ++i) {
        SchedulerState* slot = slot_at(i);
        if (pg_atomic_read_u32(&slot->starved) != 0) wake_scheduler(slot);
    }
}

int stopping_runs_of(const char* queue) {
    int count = 0;
    LWLockAcquire(executor_pool->lock, LW_SHARED);
    for (int i = 0; i < executor_pool->count; ++i) {
        const ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database == MyDatabaseId && slot.pid != 0 && slot.job_id != no_job && slot.stop_requested &&
            strcmp(slot.queue, queue) == 0)
            count++;
    }
    LWLockRelease(executor_pool->lock);
    return count;
}

void request_executor_shmem() { request_shmem_part({pool_size, tranche_name, attach_pool}); }

void wake_executors(int runs) {
    if (executor_pool == nullptr || runs <= 0) return;
    int procnos[max_executors_limit];
    int count = 0;
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    for (int i = 0; i < executor_pool->count && count < runs; ++i) {
        ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database != MyDatabaseId || slot.pid == 0 || !slot.idle || slot.woken) continue;
        slot.woken = true;
        procnos[count++] = slot.procno;
    }
    LWLockRelease(executor_pool->lock);
    for (int i = 0; i < count; ++i) SetLatch(&ProcGlobal->allProcs[procnos[i]].procLatch);
}

namespace {

// The scheduler's side: the executors it asked the postmaster for, by pool slot.
std::vector<BackgroundWorkerHandle*> started;
int waiting_runs = 0;         // due runs that found no executor (the pool was full)
bool said_no_worker = false;  // said once per episode

bool database_served(Oid database) {
    for (int i = 0; i < slot_count(); ++i)
        if (slot_at(i)->database == database) return true;
    return false;
}

bool start_executor(int index, Oid database) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;  // started again on demand
    worker.bgw_main_arg = Int32GetDatum(index);
    memcpy(worker.bgw_extra, &database, sizeof(database));
    worker.bgw_notify_pid = MyProcPid;
    strlcpy(worker.bgw_library_name, "pg_cadence", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "cadence_executor_main", BGW_MAXLEN);
    snprintf(worker.bgw_name, BGW_MAXLEN, "pg_cadence executor %d", index + 1);
    strlcpy(worker.bgw_type, "pg_cadence executor", BGW_MAXLEN);
    BackgroundWorkerHandle* handle = nullptr;
    bool ok = pg_guard([&]() noexcept {
        MemoryContext previous = MemoryContextSwitchTo(TopMemoryContext);
        bool registered = RegisterDynamicBackgroundWorker(&worker, &handle);
        MemoryContextSwitchTo(previous);
        return registered;
    });
    if (started[index] != nullptr) pg_guard([&]() noexcept { pfree(started[index]); });  // one that ended unreaped
    started[index] = ok ? handle : nullptr;
    if (ok) {
        said_no_worker = false;
    } else if (!said_no_worker) {
        said_no_worker = true;
        pg_guard([&]() noexcept {
            ereport(WARNING,
                    (errmsg("pg_cadence could not start an executor: no background worker slot is free"),
                     errdetail("max_worker_processes is %d; pg_cadence needs one for its launcher, one per "
                               "served database and up to cadence.max_executors (%d) for SQL jobs.",
                               max_worker_processes, max_executors),
                     errhint("Raise max_worker_processes or lower cadence.max_executors (both need a "
                             "restart). Due runs wait for a running executor meanwhile.")));
        });
    }
    return ok;
}

// Fails the runs held, in this database, by executors that are gone: those with
// `label`, or (label nullptr) those of every executor not in `alive`.
void recover_runs(const char* label, const std::vector<std::string>& alive,
                  const std::string& details = core::lost_run_details()) {
    int64 lost = pg_guard([&]() noexcept {
        begin_spi_transaction("pg_cadence scheduler: recording runs lost with their executor");
        Datum known = (Datum)0;
        if (label == nullptr) {
            auto* labels = static_cast<Datum*>(palloc(sizeof(Datum) * (alive.size() + 1)));
            for (size_t i = 0; i < alive.size(); ++i) labels[i] = CStringGetTextDatum(alive[i].c_str());
            known = PointerGetDatum(construct_array(labels, static_cast<int>(alive.size()), TEXTOID, -1,
                                                    false, TYPALIGN_INT));
        }
        Oid types[3] = {TEXTOID, TEXTARRAYOID, JSONBOID};
        Datum values[3] = {label != nullptr ? CStringGetTextDatum(label) : (Datum)0, known,
                           DirectFunctionCall1(jsonb_in, CStringGetDatum(details.c_str()))};
        char nulls[3] = {label != nullptr ? ' ' : 'n', label == nullptr ? ' ' : 'n', ' '};
        int rc = SPI_execute_with_args("SELECT cadence._executor_recover($1, $2, $3)", 3, types, values,
                                       nulls, false, 1);
        if (rc < 0 || SPI_processed != 1) elog(ERROR, "pg_cadence scheduler: recovery of lost runs failed");
        bool null = false;
        int64 count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null));
        commit_spi_transaction();
        return count;
    });
    if (lost > 0)
        pg_guard([&]() noexcept {
            ereport(LOG, (errmsg("pg_cadence failed %lld runs that were left running when their executor ended",
                                 static_cast<long long>(lost))));
        });
}

}  // namespace

void serve_runs(int runs) {
    if (executor_pool == nullptr || executor_pool->count == 0) return;
    if (started.empty()) started.assign(static_cast<size_t>(executor_pool->count), nullptr);
    runs += waiting_runs;
    waiting_runs = 0;
    if (runs <= 0) return;
    int procnos[max_executors_limit];
    int woken = 0;
    std::vector<int> reserved;
    reserved.reserve(static_cast<size_t>(executor_pool->count));  // nothing may throw under the lock
    TimestampTz now = GetCurrentTimestamp();
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    int served = 0;
    for (int i = 0; i < executor_pool->count && served < runs; ++i) {
        ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database != MyDatabaseId) continue;
        if (slot.pid != 0 && slot.idle && !slot.woken) {
            slot.woken = true;
            if (woken < max_executors_limit) procnos[woken++] = slot.procno;
            served++;
        } else if (slot.pid == 0 && slot.lost_job == no_job && started[i] != nullptr) {
            served++;  // starting: it looks for due runs as soon as it runs
        }
    }
    for (int i = 0; i < executor_pool->count && served < runs; ++i) {
        ExecutorSlot& slot = executor_pool->slots[i];
        // Free, or left by an executor of a database no longer served (dropped).
        if (OidIsValid(slot.database) && (slot.pid != 0 || database_served(slot.database))) continue;
        memset(&slot, 0, sizeof(slot));
        slot.database = MyDatabaseId;
        slot.lost_job = no_job;
        slot.job_id = no_job;
        slot.procno = -1;
        slot.reserved_at = now;
        reserved.push_back(i);
        served++;
    }
    LWLockRelease(executor_pool->lock);
    for (int i = 0; i < woken; ++i) SetLatch(&ProcGlobal->allProcs[procnos[i]].procLatch);
    for (int index : reserved) {
        if (start_executor(index, MyDatabaseId)) continue;
        LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
        executor_pool->slots[index].database = InvalidOid;
        LWLockRelease(executor_pool->lock);
        served--;
    }
    waiting_runs = runs - served;
    // The pool (or the postmaster) had no place: executors of databases holding more
    // than their share give theirs up after their current run (owes_place); idle
    // ones are woken to do so at once.
    if (SchedulerState* slot = shared_state()) pg_atomic_write_u32(&slot->starved, waiting_runs > 0 ? 1 : 0);
    if (waiting_runs > 0) {
        int idle[max_executors_limit];
        int count = 0;
        LWLockAcquire(executor_pool->lock, LW_SHARED);
        for (int i = 0; i < executor_pool->count && count < max_executors_limit; ++i) {
            const ExecutorSlot& slot = executor_pool->slots[i];
            if (slot.database != MyDatabaseId && slot.pid != 0 && slot.idle) idle[count++] = slot.procno;
        }
        LWLockRelease(executor_pool->lock);
        for (int i = 0; i < count; ++i) SetLatch(&ProcGlobal->allProcs[idle[i]].procLatch);
    }
}

namespace {

// When the run of `slot` is to be ended by force, and why: its timeout or its
// cancel plus cadence.run_stop_grace; 0 when it is not (yet) stopping.
std::pair<TimestampTz, ForcedBy> forced_stop_due(const ExecutorSlot& slot) {
    if (slot.pid == 0 || slot.job_id == no_job || slot.forced != ForcedBy::nothing) return {0, ForcedBy::nothing};
    TimestampTz grace = static_cast<TimestampTz>(run_stop_grace) * 1000;
    if (slot.stop_requested) return {slot.stop_requested_at + grace, ForcedBy::cancel};
    if (slot.deadline != 0) return {slot.deadline + grace, ForcedBy::timeout};
    return {0, ForcedBy::nothing};
}

// Ends the executors whose runs went on past their timeout or cancel by more than
// the grace: a job's SQL may catch the cancel (EXCEPTION WHEN query_canceled) and
// go on, but it cannot catch its backend's termination. Returns ms until the next
// such end is due, or -1.
long force_overdue_stops() {
    TimestampTz now = GetCurrentTimestamp();
    TimestampTz next = 0;
    struct Ended { int index; pid_t pid; int64 job_id; ForcedBy why; };
    Ended ended[max_executors_limit];
    int count = 0;
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    for (int i = 0; i < executor_pool->count; ++i) {
        ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database != MyDatabaseId) continue;
        auto [due, why] = forced_stop_due(slot);
        if (due == 0) continue;
        // Not in its SQL (about to start it, or recording how it ended): look again soon.
        if (due <= now && !slot.in_body) due = now + 100 * 1000;
        if (due > now) {
            if (next == 0 || due < next) next = due;
            continue;
        }
        slot.forced = why;
        // Under the lock: the executor leaves the run's SQL under it too.
        kill(slot.pid, SIGTERM);
        if (count < max_executors_limit) ended[count++] = {i, slot.pid, slot.job_id, why};
    }
    LWLockRelease(executor_pool->lock);
    for (int i = 0; i < count; ++i)
        pg_guard([&]() noexcept {
            ereport(LOG, (errmsg("pg_cadence ended executor %d (pid %d): the run of job %lld went on past its %s "
                                 "for longer than cadence.run_stop_grace (%d ms)",
                                 ended[i].index + 1, static_cast<int>(ended[i].pid),
                                 static_cast<long long>(ended[i].job_id),
                                 ended[i].why == ForcedBy::timeout ? "timeout" : "cancel", run_stop_grace)));
        });
    if (next == 0) return -1;
    return static_cast<long>((next - now + 999) / 1000);
}

}  // namespace

long executor_retry_ms() {
    long retry = waiting_runs > 0 ? 250 : -1;
    if (executor_pool == nullptr || executor_pool->count == 0) return retry;
    long stop = force_overdue_stops();
    if (stop < 0) return retry;
    return retry < 0 ? stop : std::min(retry, stop);
}

void tend_executors() {
    if (executor_pool == nullptr || executor_pool->count == 0) return;
    if (started.empty()) started.assign(static_cast<size_t>(executor_pool->count), nullptr);
    for (int i = 0; i < executor_pool->count; ++i) {
        if (started[i] == nullptr) continue;
        pid_t pid;
        BgwHandleStatus status = pg_guard([&]() noexcept { return GetBackgroundWorkerPid(started[i], &pid); });
        if (status != BGWH_STOPPED) continue;
        pg_guard([&]() noexcept { pfree(started[i]); });
        started[i] = nullptr;
        // One that ended before it took its slot (its database was being dropped, a
        // version mismatch) leaves it reserved: free it.
        LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
        ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database == MyDatabaseId && slot.pid == 0 && slot.lost_job == no_job) slot.database = InvalidOid;
        LWLockRelease(executor_pool->lock);
    }
    // Runs held by executors that ended: lost.
    std::vector<int> lost;
    lost.reserve(static_cast<size_t>(executor_pool->count));  // nothing may throw under the lock
    LWLockAcquire(executor_pool->lock, LW_SHARED);
    for (int i = 0; i < executor_pool->count; ++i) {
        const ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database == MyDatabaseId && slot.pid == 0 && slot.lost_job != no_job) lost.push_back(i);
    }
    LWLockRelease(executor_pool->lock);
    for (int index : lost) {
        char label[64];
        executor_label(index, label, sizeof(label));
        LWLockAcquire(executor_pool->lock, LW_SHARED);
        ExecutorSlot gone = executor_pool->slots[index];
        LWLockRelease(executor_pool->lock);
        if (gone.unrecorded[0] != '\0') {
            recover_runs(label, {}, core::unrecorded_run_details(gone.unrecorded));
        } else if (gone.forced == ForcedBy::nothing) {
            recover_runs(label, {});
        } else {
            // Ended by force: a run past its timeout fails as timed out (a canceled
            // one is canceled already, and has nothing left to record).
            auto ms = [](TimestampTz from, TimestampTz to) { return core::Millis((to - from) / 1000); };
            recover_runs(label, {},
                         core::forced_stop(gone.forced == ForcedBy::timeout ? core::ForcedStop::timeout
                                                                              : core::ForcedStop::cancel,
                                           ms(gone.run_started, GetCurrentTimestamp()),
                                           gone.deadline != 0 ? ms(gone.run_started, gone.deadline) : core::Millis(0),
                                           core::Millis(run_stop_grace))
                             .details);
        }
        LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
        executor_pool->slots[index].lost_job = no_job;
        executor_pool->slots[index].database = InvalidOid;
        LWLockRelease(executor_pool->lock);
    }
    // (The launcher may have taken this database's slot away meanwhile, when
    // cadence.database_name left it out: then this scheduler is about to end.)
    SchedulerState* slot = shared_state();
    int wanted = slot != nullptr ? static_cast<int>(pg_atomic_exchange_u32(&slot->replacements_wanted, 0)) : 0;
    // An executor that ended did not claim again after its run, as one that
    // finishes does: a run it kept waiting (its queue's limit) needs another to look.
    wanted += static_cast<int>(lost.size());
    if (wanted > 0 || waiting_runs > 0) serve_runs(wanted);
}

void recover_runs_of_gone_executors() {
    if (executor_pool == nullptr) return;
    std::vector<std::string> alive;
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    for (int i = 0; i < executor_pool->count; ++i) {
        ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database != MyDatabaseId) continue;
        if (slot.pid == 0) {
            // Reserved by a former scheduler, or left by an executor that ended: the
            // recovery below covers its run, and a late starter finds it gone.
            slot.database = InvalidOid;
            slot.lost_job = no_job;
            continue;
        }
        char label[64];
        executor_label(i, label, sizeof(label));
        alive.emplace_back(label);
    }
    LWLockRelease(executor_pool->lock);
    recover_runs(nullptr, alive);
}

void executor_counts(Oid database, int* executors, int* running) noexcept {
    *executors = *running = 0;
    if (executor_pool == nullptr) return;
    LWLockAcquire(executor_pool->lock, LW_SHARED);
    for (int i = 0; i < executor_pool->count; ++i) {
        const ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database != database || slot.pid == 0) continue;
        (*executors)++;
        if (slot.job_id != no_job) (*running)++;
    }
    LWLockRelease(executor_pool->lock);
}

void stop_executors_of(Oid database) noexcept {
    if (executor_pool == nullptr) return;
    LWLockAcquire(executor_pool->lock, LW_SHARED);
    for (int i = 0; i < executor_pool->count; ++i)
        if (executor_pool->slots[i].database == database && executor_pool->slots[i].pid != 0) kill(executor_pool->slots[i].pid, SIGTERM);
    LWLockRelease(executor_pool->lock);
}

void stop_runs_ended_by(const std::vector<CommittedStatus>& changes) noexcept {
    // A commit whose changes all leave their job running (a claim) ends no run: no lock.
    if (executor_pool == nullptr ||
        std::none_of(changes.begin(), changes.end(), [](const CommittedStatus& c) { return !c.running; }))
        return;
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    for (int i = 0; i < executor_pool->count; ++i) {
        ExecutorSlot& slot = executor_pool->slots[i];
        if (slot.database != MyDatabaseId || slot.pid == 0 || slot.job_id == no_job) continue;
        for (const CommittedStatus& change : changes) {
            // Still running (a heartbeat, progress): nothing to stop. An event from
            // before this run's claim (the previous run's end, committed just before
            // it was claimed again) is not about this run.
            if (change.running || change.job_id != slot.job_id || change.event_id <= slot.run_event_id) continue;
            if (!slot.stop_requested) slot.stop_requested_at = GetCurrentTimestamp();
            slot.stop_requested = true;
            // Under the lock: the executor leaves its SQL under it too, so the signal
            // can only reach the statement of this run.
            if (slot.in_body) kill(slot.pid, SIGINT);
            break;
        }
    }
    LWLockRelease(executor_pool->lock);
}

}  // namespace cadence::pg

using namespace cadence;

