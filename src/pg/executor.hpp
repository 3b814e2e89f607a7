// Executors: background workers that run SQL jobs the moment they are due, each
// run as the job's owner (run_as.hpp), drawn from one pool of cadence.max_executors
// for the whole cluster.
//
// A database's scheduler asks for them (serve_runs) when runs of SQL jobs become
// due: it wakes idle executors of its database and starts new ones for the rest
// while the pool has room. An executor claims due runs one at a time in due order
// (cadence._executor_claim, which also honours per-queue limits) until none is
// left, then sleeps; after cadence.executor_idle_timeout with nothing to do it
// ends, so that a database with no SQL job due holds no executor. Fair share: when
// a database's due runs find no executor to start, an executor of a database that
// holds more executors than the waiting one ends after its current run, and the
// waiting database's scheduler takes its place: shares even out, and with fewer
// places than databases they take turns run by run. A
// committed cancel or delete of a run an executor holds interrupts its statement
// (stop_runs_ended_by); a run held by an executor that ended is recorded as lost by the
// scheduler.
#pragma once
#include "pg/postgres.hpp"

#include <utility>
#include <vector>

namespace cadence::pg {

// Called from _PG_init while preloading.
void request_executor_shmem();

// In an executor: wakes up to `runs` idle executors of its database.
void wake_executors(int runs);

// In a database's scheduler: `runs` runs of SQL jobs became due (0: only those
// still waiting for an executor).
void serve_runs(int runs);
// In a database's scheduler, at each pass: reaps its executors that ended, records
// the runs they held as lost, and starts those still wanted.
void tend_executors();
// In a database's scheduler: how long to sleep at most (ms) before trying again to
// start executors for runs still waiting for one, or -1 when none waits. An
// executor that ends wakes the schedulers that wait; this covers a place that the
// postmaster had not freed yet when they looked.
long executor_retry_ms();
// In a database's scheduler, at its start: records as lost the runs held by
// executors of the database that are gone (a crash, a restart).
void recover_runs_of_gone_executors();
// How many executors serve `database`, and how many of them run a job now.
void executor_counts(Oid database, int* executors, int* running) noexcept;

// Ends every executor of `database` (SIGTERM).
void stop_executors_of(Oid database) noexcept;

// A committed change of a job's status, as the publisher hands it over.
struct CommittedStatus {
    int64 job_id;
    int64 event_id;
    bool running;  // the job's status after it is running
};
// The one place where a cancel, a delete or any other change stops a running SQL
// job: after a commit, each executor running one of these jobs whose status is no
// longer running, by an event after its claim, has its statement interrupted (and
// is ended by force after cadence.run_stop_grace if its SQL goes on). May not fail.
void stop_runs_ended_by(const std::vector<CommittedStatus>& changes) noexcept;

}  // namespace cadence::pg
