// Keeping cached plans fit for the size the job tables have grown to.
//
// A backend keeps its plans of statements on the job tables for its whole life:
// the lifecycle's generic plans (transit.cpp) and PL/pgSQL's. A plan made while
// cadence.jobs_status held a few rows (a fresh install, a worker's first call)
// reads it whole, on every call, once it holds thousands, and stays so until an
// ANALYZE, which autovacuum may run only minutes later. Measured: an executor that
// had run 100 jobs ran a burst of 5,000 at 233 runs/s instead of 668.
//
// When cadence.jobs_status has doubled (and grown by at least 8 blocks) since the
// last time, the relcache entries of it and of cadence.jobs are invalidated, as an
// ANALYZE would do: when the transaction commits, every backend's plans on them
// are made again for the size they have now. One backend does it per doubling.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// In a transaction. May ereport(ERROR): call inside pg_guard.
void refresh_plans_if_grown();

}  // namespace cadence::pg
