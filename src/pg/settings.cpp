#include "pg/settings.hpp"

#include "pg/postgres.hpp"

#include "pg/publication.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace cadence::pg {

char* database_name = nullptr;

void define_settings() {
    // A postmaster-level setting can only be created while preloading; without
    // preloading there is no scheduler for it to configure.
    if (process_shared_preload_libraries_in_progress) {
        DefineCustomStringVariable(
            "cadence.database_name", "Database in which pg_cadence's scheduler runs.",
            "Jobs are only scheduled in this database; CREATE EXTENSION pg_cadence there.",
            &database_name, "postgres", PGC_POSTMASTER, GUC_SUPERUSER_ONLY, nullptr, nullptr,
            nullptr);
        DefineCustomIntVariable(
            "cadence.status_queue_size",
            "Committed status events that can wait in shared memory for the publisher.",
            "When it is full, further events are not published and listeners are told to "
            "resynchronise from cadence.job_events.",
            &status_queue_size, 16384, 16, 1 << 20, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    }
    DefineCustomBoolVariable(
        "cadence.publish_status", "Publish committed job status changes with NOTIFY cadence_status.",
        nullptr, &publish_status, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("cadence");
}

}  // namespace cadence::pg
