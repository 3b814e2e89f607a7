#include "pg/database_slots.hpp"
#include "pg/compat.hpp"

#include <cstring>
#include <string>

#include "core/error.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace cadence::pg {

namespace {

constexpr int max_parts = 4;
ShmemPart parts[max_parts];
int part_count = 0;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void on_shmem_request() {
    if (previous_request_hook != nullptr) previous_request_hook();
    for (int i = 0; i < part_count; ++i) {
        RequestAddinShmemSpace(parts[i].size());
        if (parts[i].lwlock_tranche != nullptr) RequestNamedLWLockTranche(parts[i].lwlock_tranche, parts[i].lwlocks);
    }
}

void on_shmem_startup() {
    if (previous_startup_hook != nullptr) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    for (int i = 0; i < part_count; ++i) parts[i].attach();
    LWLockRelease(AddinShmemInitLock);
}

// The table of served databases: a lock for claims and releases, the launcher's
// latch, and one slot per database.
struct DatabaseTable {
    LWLock* lock;
    int launcher_procno;  // -1 while no launcher runs
    int count;
    SchedulerState slots[FLEXIBLE_ARRAY_MEMBER];
};

constexpr const char* tranche_name = "pg_cadence databases";
DatabaseTable* table = nullptr;
// This backend's slot, found once and checked at each use (a slot may be freed
// and claimed again by another database).
int my_slot_index = -1;
// A slot that shows no scheduler, for the views of a database that is not served.
SchedulerState unserved{};

Size table_size() {
    return add_size(offsetof(DatabaseTable, slots), mul_size(sizeof(SchedulerState), max_databases));
}

void reset_slot(SchedulerState* slot, Oid database) {
    // The atomics keep counting: a generation seen by a former scheduler of this
    // slot must never come back.
    SpinLockAcquire(&slot->mutex);
    slot->database = database;
    slot->paused = false;
    slot->pid = 0;
    slot->procno = -1;
    slot->started_at = 0;
    slot->timers = slot->fires = slot->loaded_timers = slot->resyncs = 0;
    slot->load_ms = 0;
    slot->last_load = 0;
    slot->last_error[0] = '\0';
    slot->snapshot_requester = -1;
    SpinLockRelease(&slot->mutex);
    pg_atomic_write_u32(&slot->replanned_at_blocks, 0);
    pg_atomic_write_u32(&slot->starved, 0);
    pg_atomic_write_u32(&slot->replacements_wanted, 0);
}

void attach_table() {
    bool found = false;
    table = static_cast<DatabaseTable*>(ShmemInitStruct("pg_cadence databases", table_size(), &found));
    if (!found) {
        memset(table, 0, table_size());
        table->lock = &(GetNamedLWLockTranche(tranche_name))->lock;
        table->launcher_procno = -1;
        table->count = max_databases;
        for (int i = 0; i < table->count; ++i) {
            SchedulerState* slot = &table->slots[i];
            SpinLockInit(&slot->mutex);
            pg_atomic_init_u32(&slot->replanned_at_blocks, 0);
            pg_atomic_init_u64(&slot->extension_generation, 0);
            pg_atomic_init_u32(&slot->starved, 0);
            pg_atomic_init_u32(&slot->replacements_wanted, 0);
            reset_slot(slot, InvalidOid);
        }
    }
}

}  // namespace

void request_shmem_part(ShmemPart part) {
    if (part_count == 0) {
        previous_request_hook = shmem_request_hook;
        shmem_request_hook = on_shmem_request;
        previous_startup_hook = shmem_startup_hook;
        shmem_startup_hook = on_shmem_startup;
    }
    if (part_count == max_parts) elog(ERROR, "pg_cadence: too many shared memory parts");
    parts[part_count++] = part;
}

void request_shared_state() { request_shmem_part({table_size, tranche_name, attach_table}); }

bool shared_memory_ready() noexcept { return table != nullptr; }

int slot_count() noexcept { return table != nullptr ? table->count : 0; }

SchedulerState* slot_at(int index) noexcept { return &table->slots[index]; }

int slot_index(const SchedulerState* slot) noexcept { return static_cast<int>(slot - table->slots); }

SchedulerState* shared_state() noexcept {
    if (table == nullptr || !OidIsValid(MyDatabaseId)) return nullptr;
    if (my_slot_index >= 0 && table->slots[my_slot_index].database == MyDatabaseId)
        return &table->slots[my_slot_index];
    my_slot_index = -1;
    for (int i = 0; i < table->count; ++i) {
        if (table->slots[i].database == MyDatabaseId) {
            my_slot_index = i;
            return &table->slots[i];
        }
    }
    return nullptr;
}

int claim_slot(Oid database) noexcept {
    int found = -1;
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    for (int i = 0; i < table->count && found < 0; ++i)
        if (table->slots[i].database == database) found = i;
    for (int i = 0; i < table->count && found < 0; ++i) {
        if (!OidIsValid(table->slots[i].database)) {
            reset_slot(&table->slots[i], database);
            found = i;
        }
    }
    LWLockRelease(table->lock);
    return found;
}

bool release_slot(int index, Oid database, uint64 generation) noexcept {
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    SchedulerState* slot = &table->slots[index];
    bool release = slot->database == database &&
                   pg_atomic_read_u64(&slot->extension_generation) == generation;
    if (release) reset_slot(slot, InvalidOid);
    LWLockRelease(table->lock);
    return release;
}

void forget_database(Oid database) noexcept {
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    for (int i = 0; i < table->count; ++i)
        if (table->slots[i].database == database) reset_slot(&table->slots[i], InvalidOid);
    LWLockRelease(table->lock);
}

int pause_database(Oid database, bool paused) noexcept {
    int found = -1;
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    for (int i = 0; i < table->count; ++i) {
        if (table->slots[i].database != database) continue;
        SpinLockAcquire(&table->slots[i].mutex);
        table->slots[i].paused = paused;
        SpinLockRelease(&table->slots[i].mutex);
        found = i;
    }
    LWLockRelease(table->lock);
    return found;
}

void wake_scheduler(SchedulerState* slot) noexcept {
    SpinLockAcquire(&slot->mutex);
    int procno = slot->procno;
    SpinLockRelease(&slot->mutex);
    if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

void stop_scheduler(SchedulerState* slot) noexcept {
    SpinLockAcquire(&slot->mutex);
    pid_t pid = slot->pid;
    SpinLockRelease(&slot->mutex);
    if (pid != 0) kill(pid, SIGTERM);
}

void register_launcher_process() noexcept {
    LWLockAcquire(table->lock, LW_EXCLUSIVE);
    table->launcher_procno = compat::my_proc_number();
    LWLockRelease(table->lock);
}

void wake_launcher() noexcept {
    if (table == nullptr) return;
    LWLockAcquire(table->lock, LW_SHARED);
    int procno = table->launcher_procno;
    LWLockRelease(table->lock);
    if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

SchedulerState& require_shared_state(const char* what) {
    if (table == nullptr) {
        throw core::Error(core::ErrorKind::wrong_state,
                          std::string(what) + " needs pg_cadence's background workers",
                          "pg_cadence was loaded into this session without being preloaded.",
                          "Add pg_cadence to shared_preload_libraries in postgresql.conf and "
                          "restart the server.");
    }
    if (SchedulerState* mine = shared_state()) return *mine;
    SpinLockInit(&unserved.mutex);
    unserved.procno = -1;
    return unserved;
}

}  // namespace cadence::pg
