#include "pg/shared_state.hpp"

#include <cstring>
#include <string>

#include "core/error.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

namespace cadence::pg {

namespace {

SchedulerState* state = nullptr;

constexpr int max_parts = 4;
ShmemPart parts[max_parts];
int part_count = 0;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void on_shmem_request() {
    if (previous_request_hook != nullptr) previous_request_hook();
    for (int i = 0; i < part_count; ++i) {
        RequestAddinShmemSpace(parts[i].size());
        if (parts[i].lwlock_tranche != nullptr) RequestNamedLWLockTranche(parts[i].lwlock_tranche, 1);
    }
}

void on_shmem_startup() {
    if (previous_startup_hook != nullptr) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    for (int i = 0; i < part_count; ++i) parts[i].attach();
    LWLockRelease(AddinShmemInitLock);
}

Size state_size() { return MAXALIGN(sizeof(SchedulerState)); }

void attach_state() {
    bool found = false;
    state = static_cast<SchedulerState*>(
        ShmemInitStruct("pg_cadence scheduler state", sizeof(SchedulerState), &found));
    if (!found) {
        memset(state, 0, sizeof(SchedulerState));
        pg_atomic_init_u32(&state->replanned_at_blocks, 0);
        pg_atomic_init_u64(&state->extension_generation, 0);
        SpinLockInit(&state->mutex);
        state->procno = -1;
        state->database = InvalidOid;
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

void request_shared_state() { request_shmem_part({state_size, nullptr, attach_state}); }

SchedulerState* shared_state() noexcept { return state; }

SchedulerState& require_shared_state(const char* what) {
    if (state == nullptr) {
        throw core::Error(core::ErrorKind::wrong_state,
                          std::string(what) + " needs pg_cadence's background worker",
                          "pg_cadence was loaded into this session without being preloaded.",
                          "Add pg_cadence to shared_preload_libraries in postgresql.conf and "
                          "restart the server.");
    }
    return *state;
}

}  // namespace cadence::pg
