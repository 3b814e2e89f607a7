// The shared library's entry: PostgreSQL calls _PG_init when it loads pg_cadence.
#include "pg/postgres.hpp"

#include "pg/database_commands.hpp"
#include "pg/event_horizon.hpp"
#include "pg/executor.hpp"
#include "pg/launcher.hpp"
#include "pg/publication.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

void _PG_init(void) {
    // pg_upgrade loads libraries in binary-upgrade mode: start nothing there.
    if (IsBinaryUpgrade) return;

    cadence::pg::define_settings();

    // The workers and their shared memory exist only when the library is preloaded;
    // functions that need them say so (see require_shared_state).
    if (!process_shared_preload_libraries_in_progress) return;
    cadence::pg::request_shared_state();
    cadence::pg::request_publication_shmem();
    cadence::pg::request_event_horizon_shmem();
    cadence::pg::request_executor_shmem();
    cadence::pg::register_launcher();
    cadence::pg::install_database_command_hook();
}
