#include "pg/settings.hpp"

#include "pg/postgres.hpp"

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
    }
    MarkGUCPrefixReserved("cadence");
}

}  // namespace cadence::pg
