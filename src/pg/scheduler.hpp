// The scheduler background worker of one database, started by the launcher
// (launcher.hpp) with its slot's index as argument and its database's OID in
// bgw_extra. It is also the database's publisher (publication.hpp).
#pragma once
#include "pg/postgres.hpp"

// The worker's entry point, looked up by name by the postmaster.
extern "C" PGDLLEXPORT void cadence_scheduler_main(Datum arg);
