#include "pg/database_commands.hpp"

#include <cstring>

#include "pg/executor.hpp"
#include "pg/database_slots.hpp"
#include "pg/version_check.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
}

namespace cadence::pg {

namespace {

ProcessUtility_hook_type previous_hook = nullptr;

// ALTER DATABASE ... ALLOW_CONNECTIONS / IS_TEMPLATE, acted upon at commit: a
// database that no longer allows connections, or became a template, is given up
// (its workers end); one that may be served again is probed by the launcher.
Oid reconsidered = InvalidOid;
bool serve_reconsidered = false;
bool xact_callback_registered = false;

void end_workers_of(Oid database);

// CREATE DATABASE: a copy of a database where the extension is created has it
// too, and is probed by the launcher once the copy is committed.
Oid created_copy = InvalidOid;

void on_xact(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT && OidIsValid(created_copy)) {
        (void)claim_slot(created_copy);
        wake_launcher();
    }
    if (event == XACT_EVENT_COMMIT && OidIsValid(reconsidered)) {
        if (serve_reconsidered) {
            (void)claim_slot(reconsidered);
        } else {
            end_workers_of(reconsidered);
            forget_database(reconsidered);
        }
        wake_launcher();
    }
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
        reconsidered = InvalidOid;
        created_copy = InvalidOid;
    }
}

void register_xact_callback() {
    if (xact_callback_registered) return;
    RegisterXactCallback(on_xact, nullptr);
    xact_callback_registered = true;
}

// The OID of database `name` when a slot serves it, else InvalidOid.
Oid served_database(const char* name) {
    if (name == nullptr) return InvalidOid;
    Oid database = get_database_oid(name, true);
    if (!OidIsValid(database)) return InvalidOid;
    for (int i = 0; i < slot_count(); ++i)
        if (slot_at(i)->database == database) return database;
    return InvalidOid;
}

// Pauses the database's slot and tells its scheduler and executors to end.
void end_workers_of(Oid database) {
    int index = pause_database(database, true);
    if (index >= 0) stop_scheduler(slot_at(index));
    stop_executors_of(database);
}

// The value of option `name` in a CREATE/ALTER DATABASE option list, or nullptr.
DefElem* option_named(List* options, const char* name) {
    ListCell* cell;
    foreach (cell, options) {
        auto* option = static_cast<DefElem*>(lfirst(cell));
        if (strcmp(option->defname, name) == 0) return option;
    }
    return nullptr;
}

bool names_pg_cadence(List* objects) {
    ListCell* cell;
    foreach (cell, objects)
        if (IsA(lfirst(cell), String) && strcmp(strVal(lfirst(cell)), "pg_cadence") == 0) return true;
    return false;
}

void call_next(PlannedStmt* statement, const char* query, bool read_only_tree, ProcessUtilityContext context,
               ParamListInfo params, QueryEnvironment* environment, DestReceiver* dest, QueryCompletion* completion) {
    if (previous_hook != nullptr)
        previous_hook(statement, query, read_only_tree, context, params, environment, dest, completion);
    else
        standard_ProcessUtility(statement, query, read_only_tree, context, params, environment, dest, completion);
}

// A C callback: owns nothing with a destructor, and lets PostgreSQL's errors through.
void on_utility(PlannedStmt* statement, const char* query, bool read_only_tree, ProcessUtilityContext context,
                ParamListInfo params, QueryEnvironment* environment, DestReceiver* dest,
                QueryCompletion* completion) {
    Node* tree = statement->utilityStmt;
    const char* volatile copy_name = nullptr;  // CREATE DATABASE: the new database, probed at commit
    // Read after the longjmp of an error: volatile.
    volatile Oid paused = InvalidOid;
    volatile bool dropping = false;
    if (shared_memory_ready()) {
        switch (nodeTag(tree)) {
        case T_DropdbStmt:
            paused = served_database(castNode(DropdbStmt, tree)->dbname);
            dropping = true;
            break;
        case T_RenameStmt: {
            auto* rename = castNode(RenameStmt, tree);
            if (rename->renameType == OBJECT_DATABASE) paused = served_database(rename->subname);
            break;
        }
        case T_AlterDatabaseStmt: {
            auto* alter = castNode(AlterDatabaseStmt, tree);
            if (option_named(alter->options, "tablespace") != nullptr) paused = served_database(alter->dbname);
            DefElem* allow = option_named(alter->options, "allow_connections");
            DefElem* is_template = option_named(alter->options, "is_template");
            if (allow != nullptr || is_template != nullptr) {
                register_xact_callback();
                reconsidered = get_database_oid(alter->dbname, true);
                serve_reconsidered = (allow == nullptr || defGetBoolean(allow)) &&
                                     (is_template == nullptr || !defGetBoolean(is_template));
            }
            break;
        }
        case T_CreatedbStmt: {
            auto* create = castNode(CreatedbStmt, tree);
            if (DefElem* source = option_named(create->options, "template")) {
                paused = served_database(defGetString(source));
                copy_name = create->dbname;
            }
            break;
        }
        case T_DropStmt: {
            auto* drop = castNode(DropStmt, tree);
            if (drop->removeType == OBJECT_EXTENSION && names_pg_cadence(drop->objects))
                tell_scheduler_at_commit(false);
            break;
        }
        default:
            break;
        }
    }
    if (!OidIsValid(paused)) {
        call_next(statement, query, read_only_tree, context, params, environment, dest, completion);
        return;
    }
    end_workers_of(paused);
    PG_TRY();
    {
        call_next(statement, query, read_only_tree, context, params, environment, dest, completion);
    }
    PG_CATCH();
    {
        (void)pause_database(paused, false);
        wake_launcher();
        PG_RE_THROW();
    }
    PG_END_TRY();
    if (dropping)
        forget_database(paused);
    else
        (void)pause_database(paused, false);
    if (copy_name != nullptr) {
        register_xact_callback();
        created_copy = get_database_oid(copy_name, true);
    }
    wake_launcher();
}

}  // namespace

void install_database_command_hook() {
    previous_hook = ProcessUtility_hook;
    ProcessUtility_hook = on_utility;
}

}  // namespace cadence::pg
