// What differs between the PostgreSQL major versions pg_cadence builds against (15
// and 17), in one place: each shim says which release changed what, and the glue
// calls the shim instead of the version's API.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "catalog/pg_database_d.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/guc_tables.h"
}

namespace cadence::pg::compat {

// This process's number, its index in ProcGlobal->allProcs (whose latch others
// set). PostgreSQL 17 removed PGPROC.pgprocno and keeps the number in the global
// MyProcNumber (release notes 17, "Replace PGPROC.pgprocno"; storage/proc.h).
inline int my_proc_number() {
#if PG_VERSION_NUM >= 170000
    return MyProcNumber;
#else
    return MyProc->pgprocno;
#endif
}

// Every GUC and how many there are. PostgreSQL 16 keeps the GUCs in a hash table:
// get_guc_variables() returns their count through its argument and
// GetNumConfigOptions() is gone (utils/guc_tables.h of 16).
inline struct config_generic** guc_variables(int* count) {
#if PG_VERSION_NUM >= 160000
    return get_guc_variables(count);
#else
    *count = GetNumConfigOptions();
    return get_guc_variables();
#endif
}

// Whether `role` has `mode` on database `database`. PostgreSQL 16 folded the
// per-kind ACL checks into object_aclcheck() (utils/acl.h of 16).
inline AclResult database_aclcheck(Oid database, Oid role, AclMode mode) {
#if PG_VERSION_NUM >= 160000
    return object_aclcheck(DatabaseRelationId, database, role, mode);
#else
    return pg_database_aclcheck(database, role, mode);
#endif
}

// A wait event set for the life of the process. PostgreSQL 17 ties a set to a
// resource owner instead of a memory context (storage/latch.h of 17): none here.
inline WaitEventSet* create_wait_event_set(int events) {
#if PG_VERSION_NUM >= 170000
    return CreateWaitEventSet(nullptr, events);
#else
    return CreateWaitEventSet(TopMemoryContext, events);
#endif
}

}  // namespace cadence::pg::compat
