#include "pg/event_horizon.hpp"
#include "pg/compat.hpp"

#include <algorithm>
#include <cstdint>

#include "pg/boundary.hpp"
#include "pg/publication.hpp"
#include "pg/database_slots.hpp"

extern "C" {
#include "access/twophase.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/snapmgr.h"
}

namespace cadence::pg {

namespace {

// One per PGPROC. `floor` 0: this backend takes no event ids now; floor_unknown:
// it is about to take its first (its lowest id is not known yet); otherwise its
// lowest id.
struct EventFloor {
    pg_atomic_uint32 database;
    pg_atomic_uint64 floor;
};

constexpr uint64 floor_unknown = UINT64_MAX;

EventFloor* floors = nullptr;
int floor_count = 0;
bool floor_set = false;  // this backend's, in the current transaction

int procs() { return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts; }

Size floors_size() { return mul_size(sizeof(EventFloor), procs()); }

void attach_floors() {
    bool found = false;
    floor_count = procs();
    floors = static_cast<EventFloor*>(ShmemInitStruct("pg_cadence event floors", floors_size(), &found));
    if (!found) {
        for (int i = 0; i < floor_count; ++i) {
            pg_atomic_init_u32(&floors[i].database, InvalidOid);
            pg_atomic_init_u64(&floors[i].floor, 0);
        }
    }
}

EventFloor* my_floor() {
    if (floors == nullptr || MyProc == nullptr || compat::my_proc_number() >= floor_count) return nullptr;
    return &floors[compat::my_proc_number()];
}

}  // namespace

void request_event_horizon_shmem() { request_shmem_part({floors_size, nullptr, attach_floors}); }

int64 next_event_id(Oid sequence) {
    EventFloor* mine = floor_set ? nullptr : my_floor();
    if (mine != nullptr) {
        ensure_publication_callbacks();
        pg_atomic_write_u32(&mine->database, MyDatabaseId);
        pg_atomic_write_u64(&mine->floor, floor_unknown);
        // The publisher must see the floor before any id this backend takes.
        pg_memory_barrier();
    }
    int64 id = 0;
    pg_guard([&]() noexcept { id = nextval_internal(sequence, false); });
    if (mine != nullptr) {
        pg_atomic_write_u64(&mine->floor, static_cast<uint64>(id));
        floor_set = true;
    }
    return id;
}

void release_event_floor(bool rolled_back) noexcept {
    if (!floor_set) return;
    floor_set = false;
    EventFloor* mine = my_floor();
    if (mine == nullptr) return;
    // The events are in the ring (or gone) before the floor goes.
    pg_memory_barrier();
    pg_atomic_write_u64(&mine->floor, 0);
    // A commit woke the publisher already; after a rollback the horizon may move.
    if (rolled_back) {
        if (SchedulerState* slot = shared_state()) wake_scheduler(slot);
    }
}

int64 lowest_event_floor() noexcept {
    uint64 lowest = INT64_MAX;
    if (floors == nullptr) return static_cast<int64>(lowest);
    pg_memory_barrier();
    for (int i = 0; i < floor_count; ++i) {
        uint64 floor = pg_atomic_read_u64(&floors[i].floor);
        if (floor == 0 || (floor >= lowest && floor != floor_unknown)) continue;
        if (pg_atomic_read_u32(&floors[i].database) != MyDatabaseId) continue;
        // Read the floor again: a backend of another database may have taken the slot.
        uint64 again = pg_atomic_read_u64(&floors[i].floor);
        if (again == 0) continue;
        if (again == floor_unknown) return 0;
        lowest = std::min(lowest, again);
    }
    return static_cast<int64>(lowest);
}

int64 event_sequence_last_value() {
    int64 value = 0;
    PushActiveSnapshot(GetTransactionSnapshot());
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "pg_cadence: SPI_connect failed");
    if (SPI_execute("SELECT pg_catalog.pg_sequence_last_value(s) FROM "
                    "pg_catalog.to_regclass('cadence.job_events_id_seq') s",
                    true, 1) == SPI_OK_SELECT &&
        SPI_processed == 1) {
        bool isnull = true;
        Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull) value = DatumGetInt64(d);
    }
    SPI_finish();
    PopActiveSnapshot();
    return value;
}

int64 settled_horizon() {
    // The sequence first: a backend whose floor is not set yet takes larger ids.
    int64 last = event_sequence_last_value();
    int64 lowest;
    while ((lowest = lowest_event_floor()) == 0) {
        pg_usleep(50);
        CHECK_FOR_INTERRUPTS();
    }
    return std::min(lowest, last + 1);
}

}  // namespace cadence::pg

using namespace cadence;

