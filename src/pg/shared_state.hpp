// The slice of shared memory that the scheduler and SQL sessions share. It only
// exists when pg_cadence is in shared_preload_libraries.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/dsm.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

struct SchedulerState {
    slock_t mutex;
    pid_t pid;               // 0 while no scheduler runs
    int procno;              // its PGPROC number, to set its latch
    TimestampTz started_at;  // when the running scheduler connected
    Oid database;            // the database it serves
    // What the scheduler reports (cadence.scheduler).
    int64 timers;                 // timers in its map now
    int64 fires;                  // due timers acted upon since it started
    int64 loaded_timers;          // timers loaded at its last (re)load
    double load_ms;               // how long that load took
    TimestampTz last_load;        // when: its start, or its last resynchronisation
    int64 resyncs;                // resynchronisations after lost changes
    char last_error[256];         // the last error a fire met ("" for none)
    // A snapshot of the map for cadence.timers: a session bumps snapshot_request and
    // sets the scheduler's latch; the scheduler answers with a DSM segment that it
    // keeps attached (never pinned) until its next snapshot replaces it, so that no
    // segment outlives its use whatever happens to the sessions that asked.
    uint64 snapshot_request;
    uint64 snapshot_done;
    int snapshot_requester;       // PGPROC number of the last session that asked
    dsm_handle snapshot_handle;
    // Blocks of cadence.jobs_status when cached plans were last made to be planned
    // again (see plan_refresh.hpp).
    pg_atomic_uint32 replanned_at_blocks;
    // Bumped by every committed CREATE EXTENSION or ALTER EXTENSION UPDATE of
    // pg_cadence: the scheduler's map may belong to objects that are gone (DROP
    // EXTENSION, then CREATE EXTENSION: job ids start again at 1), so it loads again.
    pg_atomic_uint64 extension_generation;
};

// The header of a map snapshot; `count` Timer entries follow. `magic` and
// `request` let a reader check that the segment behind a handle is the snapshot it
// asked for (or a later one), not one since replaced.
struct TimerSnapshot {
    static constexpr uint64 expected_magic = 0x63616474696d6572;  // "cadtimer"
    uint64 magic;
    uint64 request;
    int64 count;
};

// One part of pg_cadence's shared memory: its size, the LWLock tranche of one lock
// it needs (or nullptr), and `attach`, which finds or creates it (ShmemInitStruct)
// with AddinShmemInitLock held, in the postmaster and in every process.
struct ShmemPart {
    Size (*size)();
    const char* lwlock_tranche;
    void (*attach)();
};

// Called from _PG_init while preloading: reserves the part and attaches it at startup.
void request_shmem_part(ShmemPart part);

// Called from _PG_init while shared_preload_libraries is processed.
void request_shared_state();

// The shared state, or nullptr when the library was not preloaded.
SchedulerState* shared_state() noexcept;

// Throws a wrong_state error that says shared_preload_libraries must contain
// pg_cadence when the shared state is missing; returns it otherwise.
SchedulerState& require_shared_state(const char* what);

}  // namespace cadence::pg
