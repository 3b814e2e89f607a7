// The C function of src/sql/api.sql: every public API function (cadence.create_job,
// claim, cancel_job, ...) is this one symbol, which calls the function's internal
// twin cadence._<name> as the caller (call_as_caller.cpp says how and why).
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include "pg/boundary.hpp"
#include "pg/call_as_caller.hpp"

CADENCE_SQL_FUNCTION(cadence_call_as_caller) { return cadence::pg::call_as_caller(fcinfo); }
