// The scheduler background worker.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// Registers the scheduler with the postmaster; only while preloading.
void register_scheduler();

}  // namespace cadence::pg

// The worker's entry point, looked up by name by the postmaster.
extern "C" PGDLLEXPORT void cadence_scheduler_main(Datum arg);
