// Commands that need a served database to themselves, or that end its service.
//
// DROP DATABASE, ALTER DATABASE ... RENAME TO, ALTER DATABASE ... SET TABLESPACE
// and CREATE DATABASE ... TEMPLATE refuse to run while other processes are
// connected to the database concerned, and pg_cadence's workers are (an ordinary
// owner could not even terminate them). Before such a command the database's slot
// is paused and its scheduler and executors are told to end (DROP DATABASE waits
// up to five seconds for them, as for any session); afterwards the slot is freed
// (the database is gone) or the pause lifted, and the launcher starts the
// scheduler again. Runs that an executor was running are recorded as lost when
// the scheduler is back.
//
// DROP EXTENSION pg_cadence tells the database's scheduler at commit: it ends and
// frees the slot, and a later CREATE EXTENSION starts from nothing.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// Installs the ProcessUtility hook; only while preloading.
void install_database_command_hook();

}  // namespace cadence::pg
