// pg_cadence's GUCs (all under the reserved prefix "cadence.").
#pragma once

#include "core/input_limits.hpp"

namespace cadence::pg {

// cadence.database_name: the databases served, comma-separated; "" for every
// database where the extension is created (reloadable).
extern char* database_name;
// cadence.max_databases: slots of served databases in shared memory (postmaster start only).
extern int max_databases;
// cadence.max_executors: executor workers running at once, all databases together
// (postmaster start only).
extern int max_executors;
// Its maximum: the executors' bookkeeping arrays are this long.
inline constexpr int max_executors_limit = 64;
// cadence.executor_idle_timeout: seconds an executor with nothing to run waits
// before it ends (reloadable).
extern int executor_idle_timeout;
// cadence.run_stop_grace: ms a SQL run may go on past its timeout or cancel before
// its executor is ended by force (reloadable).
extern int run_stop_grace;
// cadence.max_{name,payload,sql,error}_bytes: the largest inputs the API accepts
// (superuser; see core/input_limits.hpp).
extern int max_name_bytes;
extern int max_payload_bytes;
extern int max_sql_bytes;
extern int max_error_bytes;
// cadence.max_jobs_per_role: jobs a role may own, 0 for no cap (read by the SQL).
extern int max_jobs_per_role;
// cadence.worker_gone_after, in seconds (read by the view cadence.workers).
extern int worker_gone_after;
// The limit of an input kind, in bytes.
int input_limit(core::InputKind kind);
// cadence.executor_queue_limits: "queue=limit, ..." (reloadable).
extern char* executor_queue_limits;
// cadence.fail_publication_for_tests: the publisher's NOTIFY fails (tests only).
extern bool fail_publication_for_tests;

void define_settings();

// In a worker's loop: applies a changed configuration (SIGHUP) if one is pending,
// and says whether it did.
bool reload_configuration_if_asked();

// Whether cadence.database_name lets database `name` be served.
bool database_allowed(const char* name);

}  // namespace cadence::pg
