#include "pg/version_check.hpp"

#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/shared_state.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace cadence::pg {

namespace {

// Whether the versions were found equal since the last change of pg_proc (an
// update or re-creation of the extension replaces functions, which resets it).
bool version_matches = false;
bool callback_registered = false;

void forget_version(Datum, int, uint32) { version_matches = false; }

}  // namespace

std::string installed_extension_version() {
    char* version = pg_guard([&]() noexcept -> char* {
        Relation rel = table_open(ExtensionRelationId, AccessShareLock);
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
                    CStringGetDatum("pg_cadence"));
        SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
        HeapTuple tuple = systable_getnext(scan);
        char* found = nullptr;
        if (HeapTupleIsValid(tuple)) {
            bool null = false;
            Datum value = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &null);
            if (!null) found = text_to_cstring(DatumGetTextPP(value));
        }
        systable_endscan(scan);
        table_close(rel, AccessShareLock);
        return found;
    });
    return version == nullptr ? std::string() : std::string(version);
}

void require_matching_extension_version() {
    if (version_matches) return;
    if (!callback_registered) {
        pg_guard([&]() noexcept { CacheRegisterSyscacheCallback(PROCOID, forget_version, 0); });
        callback_registered = true;
    }
    std::string installed = installed_extension_version();
    if (installed != CADENCE_VERSION) {
        throw core::Error(core::ErrorKind::wrong_state,
                          "pg_cadence library version " CADENCE_VERSION
                          " does not match the extension's SQL objects in this database (version " +
                              (installed.empty() ? std::string("none") : installed) + ")",
                          {}, "Run ALTER EXTENSION pg_cadence UPDATE in this database.");
    }
    version_matches = true;
}

}  // namespace cadence::pg

// cadence._wake_workers_at_commit(): when the current transaction commits, the
// scheduler looks at the extension again. The install and update scripts end with
// it, so that a scheduler waiting for CREATE EXTENSION or for ALTER EXTENSION
// UPDATE starts at once, with nothing to poll.
namespace {

bool wake_at_commit = false;
bool wake_callback_registered = false;

void wake_on_commit(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT && wake_at_commit) {
        if (cadence::pg::SchedulerState* state = cadence::pg::shared_state()) {
            pg_atomic_fetch_add_u64(&state->extension_generation, 1);
            SpinLockAcquire(&state->mutex);
            int procno = state->procno;
            SpinLockRelease(&state->mutex);
            if (procno >= 0) SetLatch(&ProcGlobal->allProcs[procno].procLatch);
        }
    }
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
        wake_at_commit = false;
}

}  // namespace

CADENCE_SQL_FUNCTION(cadence_wake_workers_at_commit) {
    if (!wake_callback_registered) {
        cadence::pg::pg_guard([&]() noexcept { RegisterXactCallback(wake_on_commit, nullptr); });
        wake_callback_registered = true;
    }
    wake_at_commit = true;
    PG_RETURN_VOID();
}
