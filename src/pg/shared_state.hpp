// The slice of shared memory that the scheduler and SQL sessions share. It only
// exists when pg_cadence is in shared_preload_libraries.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

struct SchedulerState {
    slock_t mutex;
    pid_t pid;               // 0 while no scheduler runs
    TimestampTz started_at;  // when the running scheduler connected
    Oid database;            // the database it serves
};

// Called from _PG_init while shared_preload_libraries is processed.
void request_shared_state();

// The shared state, or nullptr when the library was not preloaded.
SchedulerState* shared_state() noexcept;

// Throws a wrong_state error that says shared_preload_libraries must contain
// pg_cadence when the shared state is missing; returns it otherwise.
SchedulerState& require_shared_state(const char* what);

}  // namespace cadence::pg
