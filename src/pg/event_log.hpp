// cadence.job_events is append-only; its one exception is pruning old events.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// Deletes events older than the cut-off, except those that still define a live
// job's state (its latest status event and later ones, and its latest pause or
// resume); returns how many. C++: call it outside pg_guard.
int64 prune_events(TimestampTz cutoff);

// Whether a DELETE on cadence.job_events now is prune_events' own.
bool pruning_events() noexcept;

}  // namespace cadence::pg
