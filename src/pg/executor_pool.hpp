// The executors' pool in shared memory, for the two sides that use it: the
// executors themselves (executor.cpp: claim, run, record) and the schedulers that
// start, wake, tend and stop them (executor_pool.cpp). Not for other files: their
// interface is executor.hpp.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "storage/lwlock.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

inline constexpr int64 no_job = 0;

// Why a database's scheduler ended an executor whose run went on past its timeout
// or its cancel by more than cadence.run_stop_grace.
enum class ForcedBy : uint8 { nothing, timeout, cancel };

// A slot of the cluster-wide pool. Free: no database. Reserved by a database's
// scheduler (database set, pid 0) from the moment it asks the postmaster for the
// executor until the executor takes it; an executor that ends frees it, unless it
// held a run: then `lost_job` keeps it until the scheduler has recorded that run lost.

struct ExecutorSlot {
    Oid database;              // the database it serves, or InvalidOid: free
    int64 lost_job;            // a run the executor held when it ended, or no_job
    TimestampTz reserved_at;   // when the scheduler reserved it
    pid_t pid;                 // 0 while this executor is not running
    int procno;                // its PGPROC number, to set its latch
    bool idle;                 // about to look for due runs, or asleep: may be woken
    bool woken;                // its latch was set for work it has not looked for yet
    int64 job_id;              // the run it holds, or no_job
    int64 run_event_id;        // that run's running event: only later events stop it
    bool in_body;              // the owner's SQL is executing: a stop interrupts it
    bool stop_requested;       // the run was canceled or deleted meanwhile
    TimestampTz stop_requested_at;  // since when (the commit that stopped it)
    TimestampTz run_started;   // when it claimed the run it holds
    TimestampTz deadline;      // when the run's timeout passes, or 0 for none
    ForcedBy forced;           // the scheduler ended this executor: why
    char queue[256];           // the run's queue (for per-queue limits while it stops)
    char unrecorded[256];      // why the executor could not record how its run ended
    int64 runs;                // runs ended since it started
};

struct ExecutorPool {
    LWLock* lock;
    int count;
    ExecutorSlot slots[FLEXIBLE_ARRAY_MEMBER];
};

// The pool (nullptr until the shared memory is attached: not preloaded).
extern ExecutorPool* executor_pool;

// "pg_cadence executor N", for slot index N - 1.
void executor_label(int index, char* out, size_t size);
// Sets the latches of the schedulers whose due runs found the pool full: a slot is free.
void wake_starved_schedulers();
// Runs of `queue` in this database that were canceled but still execute (their
// executor is stopping them): they keep their place in the queue's limit, which
// the jobs' status (canceled) no longer shows.
int stopping_runs_of(const char* queue);

}  // namespace cadence::pg
