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

// Makes `owner` the session and current user with their settings and `timeout_ms`
// (0: the owner's own statement_timeout) as statement_timeout, armed from now.
// Returns the GUC nest level that end_owner_session undoes; *armed_ms is the
// statement timeout in force (0 for none).
int begin_owner_session(const Owner& owner, int64 timeout_ms, int* armed_ms);

// Fires what the owner's SQL left for commit (deferred triggers, holdable
// cursors) while still the owner, so that none of it runs with the executor's rights.
void run_commit_work_as_owner();

// Disarms the timeout and ends the owner's SQL (before an abort, which may
// restore settings).
void leave_owner_sql();

// Disarms the timeout, undoes the owner's settings and becomes the executor again.
// After an error, pass nest_level 0: the aborted transaction undid the settings.
void end_owner_session(int nest_level);

// Forgets what a run left in the session (temporary tables, prepared statements,
// advisory locks, cursors, sequence caches), in a transaction of its own.
void discard_session_state();

// Installed once in each executor: refuses SET SESSION AUTHORIZATION while a
// run's SQL executes, and ends the executor if a RESET would assign another role.
void guard_session_authorization();

}  // namespace cadence::pg
