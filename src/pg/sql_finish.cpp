// The C functions of src/sql/finish.sql.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include "pg/boundary.hpp"
#include "pg/version_check.hpp"

// cadence._wake_workers_at_commit(): when the current transaction commits, the
// database gets its scheduler (the launcher starts it), or the running one looks at
// the extension again. The install and update scripts end with it: nothing polls.
CADENCE_SQL_FUNCTION(cadence_wake_workers_at_commit) {
    cadence::pg::pg_guard([&]() noexcept { cadence::pg::tell_scheduler_at_commit(true); });
    PG_RETURN_VOID();
}
