#include "pg/version_check.hpp"

#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/dbcommands.h"
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

namespace cadence::pg {

namespace {

// What the current transaction's commit is to tell: nothing, that the extension
// was dropped, or that it was created or updated (the slot is claimed).
enum class AtCommit { nothing, dropped, created };
AtCommit at_commit = AtCommit::nothing;
bool at_commit_registered = false;

void on_commit(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT && at_commit != AtCommit::nothing) {
        if (at_commit == AtCommit::created && claim_slot(MyDatabaseId) < 0) {
            ereport(WARNING, (errmsg("pg_cadence cannot serve this database: all %d slots of "
                                     "cadence.max_databases are taken", max_databases),
                              errhint("Raise cadence.max_databases (a restart is needed).")));
        }
        if (SchedulerState* state = shared_state()) {
            pg_atomic_fetch_add_u64(&state->extension_generation, 1);
            wake_scheduler(state);
        }
        wake_launcher();
    }
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
        at_commit = AtCommit::nothing;
}

}  // namespace

void tell_scheduler_at_commit(bool created) {
    if (!shared_memory_ready()) return;
    if (!at_commit_registered) {
        RegisterXactCallback(on_commit, nullptr);
        at_commit_registered = true;
    }
    if (created && !database_allowed(get_database_name(MyDatabaseId))) {
        ereport(WARNING, (errmsg("pg_cadence will not serve database \"%s\"", get_database_name(MyDatabaseId)),
                          errdetail("cadence.database_name lists the databases served: \"%s\".", database_name),
                          errhint("Add the database to cadence.database_name and reload the configuration.")));
        return;
    }
    at_commit = created ? AtCommit::created : AtCommit::dropped;
}

}  // namespace cadence::pg

