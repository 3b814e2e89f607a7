// The library and the SQL objects of one database must be of the same version:
// after a package upgrade, the new library meets the old SQL until the database
// runs ALTER EXTENSION pg_cadence UPDATE.
#pragma once
#include "pg/postgres.hpp"

#include <string>

namespace cadence::pg {

// The version of pg_cadence created in the current database ("" when it is not
// created). Runs inside a transaction; call through pg_guard.
std::string installed_extension_version();

// Throws a wrong_state error naming both versions and ALTER EXTENSION pg_cadence
// UPDATE when the database's SQL objects are of another version than the library.
// Cheap: it looks once, and again only after a function definition changed.
void require_matching_extension_version();

// At the commit of the current transaction: `created` (CREATE or ALTER EXTENSION
// UPDATE) claims this database's slot and wakes the launcher, which starts its
// scheduler; otherwise (DROP EXTENSION) the scheduler is told, and ends. In a
// transaction; may ereport (call inside pg_guard, or from C).
void tell_scheduler_at_commit(bool created);

}  // namespace cadence::pg
