// pg_cadence's GUCs (all under the reserved prefix "cadence.").
#pragma once

namespace cadence::pg {

// cadence.database_name: the database the scheduler serves (postmaster start only).
extern char* database_name;
// cadence.max_executors: executor workers started with the server (postmaster start only).
extern int max_executors;
// cadence.executor_queue_limits: "queue=limit, ..." (reloadable).
extern char* executor_queue_limits;
// cadence.fail_publication_for_tests: the publisher's NOTIFY fails (tests only).
extern bool fail_publication_for_tests;

void define_settings();

}  // namespace cadence::pg
