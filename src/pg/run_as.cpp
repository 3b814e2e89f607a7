#include "pg/run_as.hpp"
#include "pg/compat.hpp"

#include "pg/worker_transaction.hpp"

#include <link.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>
#include <climits>
#include <cstdio>
#include <cstring>

extern "C" {
#include "access/htup_details.h"
#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/indexing.h"
#include "commands/dbcommands.h"
#include "catalog/namespace.h"
#include "commands/prepare.h"
#include "commands/sequence.h"
#include "storage/lock.h"
#include "commands/trigger.h"
#include "storage/lockdefs.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
}

namespace cadence::pg {

namespace {

bool owner_sql_running = false;
GucStringCheckHook original_session_authorization_check = nullptr;
GucStringAssignHook original_session_authorization_assign = nullptr;

// session_authorization's check hook in an executor. A C callback: nothing may throw.
bool check_session_authorization(char** value, void** extra, GucSource source) {
    if (owner_sql_running) {
        GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
        GUC_check_errmsg("a pg_cadence job cannot change its session authorization");
        GUC_check_errdetail("Jobs run as their owner, role \"%s\".",
                            GetUserNameFromId(GetSessionUserId(), true));
        GUC_check_errhint("SET ROLE to a role the owner is a member of instead.");
        return false;
    }
    return original_session_authorization_check == nullptr ||
           original_session_authorization_check(value, extra, source);
}

// session_authorization's assign hook in an executor. RESET SESSION AUTHORIZATION
// skips the check hook and assigns the setting's default, which a database
// setting can make a superuser: while the owner's SQL runs, any assignment of a
// role ends the executor at once (the run is then recorded as lost). NULL (no
// default, the usual case) assigns nothing.
void assign_session_authorization(const char* value, void* extra) {
    if (owner_sql_running && value != nullptr) {
        ereport(FATAL, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("a pg_cadence job tried to change its session authorization to \"%s\"", value),
                        errdetail("The executor ends rather than run the job's SQL with other rights.")));
    }
    if (original_session_authorization_assign != nullptr) original_session_authorization_assign(value, extra);
}

// What postgresql.conf, ALTER SYSTEM or the server's command line set, read before
// the executor connected (the connection then applies its login role's settings).
std::vector<std::pair<std::string, std::string>> server_settings;

// The value of `variable` as text that set_config_option takes back; `boot` for its
// built-in default instead of its current value. Numbers are written into `buffer`.
const char* setting_text(struct config_generic* variable, bool boot, char* buffer, size_t size) {
    switch (variable->vartype) {
    case PGC_BOOL: {
        auto* b = reinterpret_cast<struct config_bool*>(variable);
        return (boot ? b->boot_val : *b->variable) ? "on" : "off";
    }
    case PGC_INT: {
        auto* i = reinterpret_cast<struct config_int*>(variable);
        snprintf(buffer, size, "%d", boot ? i->boot_val : *i->variable);
        return buffer;
    }
    case PGC_REAL: {
        auto* r = reinterpret_cast<struct config_real*>(variable);
        snprintf(buffer, size, "%.17g", boot ? r->boot_val : *r->variable);
        return buffer;
    }
    case PGC_STRING: {
        auto* s = reinterpret_cast<struct config_string*>(variable);
        const char* value = boot ? s->boot_val : *s->variable;
        return value != nullptr ? value : "";
    }
    case PGC_ENUM: {
        auto* e = reinterpret_cast<struct config_enum*>(variable);
        return config_enum_lookup_by_value(e, boot ? e->boot_val : *e->variable);
    }
    }
    return "";
}

// The settings the executor's own login role brought (ALTER ROLE ... SET for the
// bootstrap superuser) are not the owner's: for the run they go back to what the
// server's configuration says, or their built-in value, before the owner's apply.
// Owns nothing with a destructor: set_config_option may ereport.
void forget_login_role_settings() {
    int count = 0;
    struct config_generic** variables = compat::guc_variables(&count);
    for (int i = 0; i < count; ++i) {
        struct config_generic* variable = variables[i];
        if (variable->source != PGC_S_USER && variable->source != PGC_S_DATABASE_USER) continue;
        char buffer[64];
        const char* value = nullptr;
        for (const auto& setting : server_settings)
            if (setting.first == variable->name) value = setting.second.c_str();
        if (value == nullptr) value = setting_text(variable, true, buffer, sizeof(buffer));
        (void)set_config_option(variable->name, value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET,
                                true, WARNING, false);
    }
}

// The settings stored for (database, role) by ALTER DATABASE/ROLE ... SET, applied
// as session settings. As at a login, one that is no longer valid (a tablespace
// since dropped, a parameter since removed) is skipped with a WARNING, not an error.
void apply_stored_settings(Snapshot snapshot, Relation settings, Oid database, Oid role) {
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(database));
    ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(role));
    SysScanDesc scan = systable_beginscan(settings, DbRoleSettingDatidRolidIndexId, true, snapshot, 2, keys);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        bool null = false;
        Datum config = heap_getattr(tuple, Anum_pg_db_role_setting_setconfig, RelationGetDescr(settings), &null);
        if (null) continue;
        ArrayType* array = DatumGetArrayTypeP(config);
        Datum* elements = nullptr;
        bool* nulls = nullptr;
        int count = 0;
        deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
        for (int i = 0; i < count; ++i) {
            if (nulls[i]) continue;
            char* name = nullptr;
            char* value = nullptr;
            ParseLongOption(TextDatumGetCString(elements[i]), &name, &value);
            if (value == nullptr) {
                ereport(WARNING, (errcode(ERRCODE_SYNTAX_ERROR),
                                  errmsg("could not parse setting for parameter \"%s\"", name)));
                continue;
            }
            (void)set_config_option(name, value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET, true, WARNING, false);
        }
    }
    systable_endscan(scan);
}

}  // namespace

Owner check_owner(Oid owner, int64 job_id) {
    Owner result{};
    HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(owner));
    if (!HeapTupleIsValid(tuple)) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("the owner of job %lld, role with OID %u, no longer exists",
                               static_cast<long long>(job_id), owner),
                        errdetail("A job runs as its owner and never with other rights."),
                        errhint("Delete the job, or create it again as an existing role.")));
    }
    auto* role = reinterpret_cast<Form_pg_authid>(GETSTRUCT(tuple));
    result.oid = owner;
    result.superuser = role->rolsuper;
    result.name = role->rolname;
    bool can_login = role->rolcanlogin;
    ReleaseSysCache(tuple);
    if (!can_login) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
                        errmsg("role \"%s\" is not permitted to log in", NameStr(result.name)),
                        errdetail("Job %lld runs as its owner, role \"%s\", which needs the LOGIN attribute.",
                                  static_cast<long long>(job_id), NameStr(result.name)),
                        errhint("ALTER ROLE %s LOGIN, or delete the job.",
                                quote_identifier(NameStr(result.name)))));
    }
    if (compat::database_aclcheck(MyDatabaseId, owner, ACL_CONNECT) != ACLCHECK_OK) {
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for database \"%s\"", get_database_name(MyDatabaseId)),
                        errdetail("Job %lld runs as its owner, role \"%s\", which has no CONNECT privilege on it.",
                                  static_cast<long long>(job_id), NameStr(result.name))));
    }
    return result;
}

void begin_owner_session(const Owner& owner, int64 timeout_ms) {
    // The session user decides what SET ROLE allows: the owner's memberships only.
    SetSessionAuthorization(owner.oid, owner.superuser);
    owner_sql_running = true;
    forget_login_role_settings();

    // The settings a login of the owner would get, applied least specific first so
    // that the most specific wins. A login makes them defaults, which nothing
    // could undo; here they are session settings, which discard_session_state resets.
    Relation settings = table_open(DbRoleSettingRelationId, AccessShareLock);
    Snapshot snapshot = RegisterSnapshot(GetCatalogSnapshot(DbRoleSettingRelationId));
    apply_stored_settings(snapshot, settings, InvalidOid, InvalidOid);
    apply_stored_settings(snapshot, settings, MyDatabaseId, InvalidOid);
    apply_stored_settings(snapshot, settings, InvalidOid, owner.oid);
    apply_stored_settings(snapshot, settings, MyDatabaseId, owner.oid);
    UnregisterSnapshot(snapshot);
    table_close(settings, AccessShareLock);

    if (timeout_ms > 0) {
        char value[32];
        snprintf(value, sizeof(value), "%lld", static_cast<long long>(std::min<int64>(timeout_ms, INT_MAX)));
        SetConfigOption("statement_timeout", value, PGC_SUSET, PGC_S_SESSION);
    }
}

int arm_run_timeout() {
    // Only a backend serving a client arms statement_timeout by itself, and it
    // would arm it per statement: the job's timeout bounds its whole body.
    if (StatementTimeout > 0) enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
    return StatementTimeout;
}

void leave_owner_sql() {
    disable_timeout(STATEMENT_TIMEOUT, false);
    owner_sql_running = false;
}

void end_owner_session() {
    leave_owner_sql();
    SetSessionAuthorization(BOOTSTRAP_SUPERUSERID, true);
}

void remember_server_settings() {
    int count = 0;
    struct config_generic** variables = compat::guc_variables(&count);
    for (int i = 0; i < count; ++i) {
        struct config_generic* variable = variables[i];
        if (variable->source == PGC_S_DEFAULT || variable->source == PGC_S_DYNAMIC_DEFAULT) continue;
        char buffer[64];
        server_settings.emplace_back(variable->name, setting_text(variable, false, buffer, sizeof(buffer)));
    }
}

void discard_session_state() {
    // DISCARD ALL, without dropping every cached plan (each run would plan afresh).
    // The owner's SQL may have committed its SETs (a COMMIT, a procedure's), so
    // every setting goes back to the executor's own, SET ROLE included.
    begin_worker_transaction();
    ResetAllOptions();
    SetPGVariable("role", NIL, false);
    PortalHashTableDeleteAll();
    DropAllPreparedStatements();
    LockReleaseAll(USER_LOCKMETHOD, true);
    ResetTempTableNamespace();
    ResetSequenceCaches();
    commit_worker_transaction();
}

int loaded_libraries() {
    int count = 0;
    dl_iterate_phdr([](struct dl_phdr_info*, size_t, void* data) {
        ++*static_cast<int*>(data);
        return 0;
    }, &count);
    return count;
}

bool owner_state_kept(int libraries_before) {
    Oid temp_namespace = InvalidOid;
    Oid temp_toast_namespace = InvalidOid;
    GetTempNamespaceState(&temp_namespace, &temp_toast_namespace);
    return OidIsValid(temp_namespace) || loaded_libraries() > libraries_before;
}

void guard_session_authorization() {
    int count = 0;
    struct config_generic** variables = compat::guc_variables(&count);
    for (int i = 0; i < count; ++i) {
        if (strcmp(variables[i]->name, "session_authorization") != 0) continue;
        if (variables[i]->vartype != PGC_STRING) break;
        auto* variable = reinterpret_cast<struct config_string*>(variables[i]);
        if (variable->check_hook == check_session_authorization) return;
        original_session_authorization_check = variable->check_hook;
        variable->check_hook = check_session_authorization;
        original_session_authorization_assign = variable->assign_hook;
        variable->assign_hook = assign_session_authorization;
        return;
    }
    elog(ERROR, "pg_cadence executor: the session_authorization setting was not found");
}

}  // namespace cadence::pg
