// Executors: a fixed pool of background workers that run SQL jobs the moment
// they are due, each run in its own transaction as the job's owner (run_as.hpp).
//
// An executor sleeps on its latch. The scheduler sets it when runs of SQL jobs
// become due (wake_executors); an executor then claims due runs one at a time in
// due order (cadence._executor_claim, which also honours per-queue limits) until
// none is left. A committed cancel or delete of a run an executor holds interrupts
// its statement (stop_runs_of). At start, an executor fails the runs that an
// earlier incarnation of it left running: they died with it.
#pragma once
#include "pg/postgres.hpp"

#include <utility>
#include <vector>

namespace cadence::pg {

// Called from _PG_init while preloading.
void request_executor_shmem();
void register_executors();

// Wakes up to `runs` idle executors: that many runs of SQL jobs became due.
void wake_executors(int runs);

// After a commit that gave these jobs (job id, event id) a status other than
// running: interrupts the statements of executors running them, when the event
// came after their claim. May not fail.
void stop_runs_of(const std::vector<std::pair<int64, int64>>& ended) noexcept;

}  // namespace cadence::pg
