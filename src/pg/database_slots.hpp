// The slices of shared memory that the launcher, the schedulers and SQL sessions
// share: one slot per served database (cadence.max_databases of them). They only
// exist when pg_cadence is in shared_preload_libraries.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/dsm.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

// One served database's slot. `database` and `paused` change under the table's lock
// (claim_slot, release_slot, pause_database); the rest under `mutex`.
struct SchedulerState {
    slock_t mutex;
    Oid database;            // the database served from this slot; InvalidOid: the slot is free
    bool paused;             // a command that needs the database to itself (DROP, RENAME,
                             // a copy of it) is running: no worker of it may run
    pid_t pid;               // 0 while no scheduler runs
    int procno;              // its PGPROC number, to set its latch
    TimestampTz started_at;  // when the running scheduler connected
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
    // Due SQL runs found no executor: the pool was full (see executor.hpp's fair share).
    pg_atomic_uint32 starved;
    // Executors that ended to leave a fresh backend in their place (run_as.hpp's
    // owner_state_kept): the scheduler starts that many.
    pg_atomic_uint32 replacements_wanted;
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

// One part of pg_cadence's shared memory: its size, the LWLock tranche of the locks
// it needs (or nullptr), and `attach`, which finds or creates it (ShmemInitStruct)
// with AddinShmemInitLock held, in the postmaster and in every process.
struct ShmemPart {
    Size (*size)();
    const char* lwlock_tranche;
    void (*attach)();
    int lwlocks = 1;  // locks in the tranche
};

// Called from _PG_init while preloading: reserves the part and attaches it at startup.
void request_shmem_part(ShmemPart part);

// Called from _PG_init while shared_preload_libraries is processed.
void request_shared_state();

// Whether the shared memory exists (the library was preloaded).
bool shared_memory_ready() noexcept;

// The slot of this process's database, or nullptr when it has none (the database
// is not served) or the library was not preloaded.
SchedulerState* shared_state() noexcept;

// Slot `index` (0 <= index < slot_count()), and the index of a slot.
int slot_count() noexcept;
SchedulerState* slot_at(int index) noexcept;
int slot_index(const SchedulerState* slot) noexcept;

// The slot serving `database`, claimed if it had none; -1 when every slot is taken.
int claim_slot(Oid database) noexcept;
// Frees slot `index` if it still serves `database` and its extension generation is
// still `generation` (a CREATE EXTENSION committed since keeps it). Returns whether it did.
bool release_slot(int index, Oid database, uint64 generation) noexcept;
// Frees the slot of a database that no longer exists.
void forget_database(Oid database) noexcept;
// Marks `database`'s slot paused (or not); returns its index, or -1 if it has none.
int pause_database(Oid database, bool paused) noexcept;

// Sets the latch of a slot's scheduler, if one runs.
void wake_scheduler(SchedulerState* slot) noexcept;
// Tells a slot's scheduler, if one runs, to end (SIGTERM).
void stop_scheduler(SchedulerState* slot) noexcept;

// The launcher: registers itself, and is woken when a slot needs it.
void register_launcher_process() noexcept;
void wake_launcher() noexcept;

// Throws a wrong_state error that says shared_preload_libraries must contain
// pg_cadence when the shared memory is missing. Returns this database's slot, or,
// for a database that is not served (yet), a slot that shows no scheduler.
SchedulerState& require_shared_state(const char* what);

}  // namespace cadence::pg
