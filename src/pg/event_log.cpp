#include "pg/event_log.hpp"

#include "pg/boundary.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

namespace {

// True only while prune_events deletes events.
bool pruning = false;

struct PruningScope {
    PruningScope() { pruning = true; }
    ~PruningScope() { pruning = false; }
};

}  // namespace

bool pruning_events() noexcept { return pruning; }

int64 prune_events(TimestampTz cutoff) {
    PruningScope scope;
    return pg_guard([&]() noexcept {
        static const char* query =
            "DELETE FROM cadence.job_events e WHERE e.at < $1"
            " AND NOT EXISTS (SELECT 1 FROM cadence.jobs_status s"
            "                 WHERE s.job_id = e.job_id AND e.id >= s.status_event_id)"
            " AND NOT (e.event IN ('paused', 'resumed') AND EXISTS ("
            "     SELECT 1 FROM cadence.jobs_status s WHERE s.job_id = e.job_id)"
            "     AND e.id = (SELECT max(p.id) FROM cadence.job_events p"
            "                 WHERE p.job_id = e.job_id AND p.event IN ('paused', 'resumed')))";
        Oid types[1] = {TIMESTAMPTZOID};
        Datum values[1] = {TimestampTzGetDatum(cutoff)};
        SPI_connect();
        int rc = SPI_execute_with_args(query, 1, types, values, nullptr, false, 0);
        if (rc != SPI_OK_DELETE) elog(ERROR, "pruning cadence.job_events failed: %s", SPI_result_code_string(rc));
        int64 count = static_cast<int64>(SPI_processed);
        SPI_finish();
        return count;
    });
}

}  // namespace cadence::pg
