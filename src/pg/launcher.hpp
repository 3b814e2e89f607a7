// The launcher: one background worker per cluster, connected to no database, that
// keeps a scheduler running for every database where pg_cadence is created.
//
// At start it makes one pass over pg_database and claims a slot (database_slots.hpp)
// for each database that allows connections, is not a template and is allowed by
// cadence.database_name; the scheduler it starts there ends at once, releasing the
// slot, when the extension is not created in it. Afterwards a committed CREATE
// EXTENSION (or ALTER EXTENSION UPDATE) claims its database's slot and sets the
// launcher's latch: nothing polls. The launcher starts a scheduler for every
// claimed slot that has none, again one second after one ends with its slot still
// claimed, and never while the slot is paused (database_commands.hpp). It sleeps
// with no timeout unless a start is to be retried.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// Registers the launcher with the postmaster; only while preloading.
void register_launcher();

}  // namespace cadence::pg

// The worker's entry point, looked up by name by the postmaster.
extern "C" PGDLLEXPORT void cadence_launcher_main(Datum arg);
