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
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void on_shmem_request() {
    if (previous_request_hook != nullptr) previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(SchedulerState)));
}

void on_shmem_startup() {
    if (previous_startup_hook != nullptr) previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    state = static_cast<SchedulerState*>(
        ShmemInitStruct("pg_cadence scheduler state", sizeof(SchedulerState), &found));
    if (!found) {
        memset(state, 0, sizeof(SchedulerState));
        SpinLockInit(&state->mutex);
        state->procno = -1;
        state->database = InvalidOid;
    }
    LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void request_shared_state() {
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = on_shmem_request;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = on_shmem_startup;
}

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
