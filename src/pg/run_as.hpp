// Running a job's SQL as its owner, in an executor: the checks a login would make,
// the owner's identity and settings for the run, and nothing of it left behind.
//
// The executor connects as the bootstrap superuser. For a run it makes the owner
// the session user (so SET ROLE is limited to the owner's own roles), applies the
// owner's role and database settings (search_path among them) and the job's
// statement timeout, and refuses any change of session_authorization while the
// owner's SQL runs: that is the one thing the superuser connection would allow and
// the owner's own session would not.
//
// Every function here may ereport(ERROR): call them inside pg_guard.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

struct Owner {
    Oid oid;
    bool superuser;
    NameData name;
};

// In a transaction: the owner of job `job_id`, checked as a login would check it.
// Errors: the role no longer exists (42704), cannot log in (28000), or has no
// CONNECT privilege on this database (42501).
Owner check_owner(Oid owner, int64 job_id);

// In a transaction, which the caller then commits: makes `owner` the session and
// current user with their role and database settings, and `timeout_ms` (0: the
// owner's own statement_timeout) as statement_timeout. These are session settings:
// they outlast the transactions of the owner's SQL, and discard_session_state
// undoes them. From here until leave_owner_sql, session_authorization is guarded.
void begin_owner_session(const Owner& owner, int64 timeout_ms);

// Arms statement_timeout for the whole of the owner's SQL from now, whatever
// transactions it commits; returns it in milliseconds (0 for none).
int arm_run_timeout();

// Disarms the timeout and ends the owner's SQL (before an abort, which may
// restore settings).
void leave_owner_sql();

// Outside any transaction: disarms the timeout and becomes the executor again.
// The owner's settings stay until discard_session_state.
void end_owner_session();

// Forgets what a run left in the session (its settings and SET ROLE, temporary
// tables, prepared statements, advisory locks, cursors, sequence caches), in a
// transaction of its own. Call after end_owner_session, before the executor's
// next transaction of its own.
void discard_session_state();

// How many shared objects the process has loaded (libraries of extensions and
// procedural languages among them).
int loaded_libraries();

// After discard_session_state: whether the run left in the backend state that no
// reset reaches, so that only the same owner may run in it: its temporary schema
// (the backend keeps it, and the TEMPORARY privilege is checked only when it is
// created) or a library loaded since `libraries_before` (loaded_libraries() before
// the run), whose state (dblink's named connections, say) is the owner's.
bool owner_state_kept(int libraries_before);

// Called once in each executor, before it connects: remembers the settings the
// server's configuration gives (postgresql.conf, ALTER SYSTEM, the command line),
// which a run gets back where the executor's login role sets its own. May throw
// std::bad_alloc; calls nothing that can ereport.
void remember_server_settings();

// Installed once in each executor: refuses SET SESSION AUTHORIZATION while a
// run's SQL executes, and ends the executor if a RESET would assign another role.
void guard_session_authorization();

}  // namespace cadence::pg
