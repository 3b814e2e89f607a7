// Self-tests of the error boundary, callable from SQL by superusers only. The
// regression and isolation suites use them to prove that errors cross between C++
// and PostgreSQL cleanly in both directions, with every destructor run.
#include "pg/postgres.hpp"

#include <new>
#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/text.hpp"

extern "C" {
#include "storage/lmgr.h"
}

using namespace cadence;

namespace {

// Counts live instances, so a test can see that unwinding ran every destructor.
int live_objects = 0;

struct Tracked {
    Tracked() { ++live_objects; }
    ~Tracked() { --live_objects; }
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;
};

}  // namespace

// cadence._selftest_boundary(mode text) RETURNS text
CADENCE_SQL_FUNCTION(cadence_selftest_boundary) {
    Tracked alive;
    std::string mode = pg::text_arg(fcinfo, 0);
    if (mode == "ok") PG_RETURN_TEXT_P(pg::to_text("ok"));
    if (mode == "core") {
        throw core::Error(core::ErrorKind::invalid_parameter,
                          "selftest: the core rejected mode \"" + mode + "\"",
                          "Thrown as cadence::core::Error while C++ objects were alive.",
                          "This error is expected.");
    }
    if (mode == "std") throw std::runtime_error("selftest: a std::runtime_error");
    if (mode == "alloc") throw std::bad_alloc();
    if (mode == "pg") {
        // int4in raises ERROR (22P02): a longjmp that must not skip ~Tracked.
        Datum parsed = pg::pg_guard(
            [&]() noexcept { return DirectFunctionCall1(int4in, CStringGetDatum("twelve")); });
        PG_RETURN_DATUM(parsed);
    }
    throw core::Error(core::ErrorKind::invalid_parameter,
                      "unknown selftest mode \"" + mode + "\"", {},
                      "Valid modes are ok, core, std, alloc and pg.");
}

// cadence._selftest_live_objects() RETURNS int: Tracked objects alive right now.
CADENCE_SQL_FUNCTION(cadence_selftest_live_objects) {
    PG_RETURN_INT32(live_objects);
}

// cadence._selftest_lock_through_guard(rel regclass) RETURNS int: takes an ACCESS
// EXCLUSIVE lock from C++; a lock timeout while waiting must unwind cleanly.
CADENCE_SQL_FUNCTION(cadence_selftest_lock_through_guard) {
    Oid relation = PG_GETARG_OID(0);
    Tracked alive;
    pg::pg_guard([&]() noexcept { LockRelationOid(relation, AccessExclusiveLock); });
    PG_RETURN_INT32(live_objects);
}
