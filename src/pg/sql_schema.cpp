// The C functions of src/sql/schema.sql.
// The rule: every C function SQL calls is in src/pg/sql_<topic>.cpp, named after
// the src/sql/<topic>.sql that declares it (docs/development.md).
#include "pg/postgres.hpp"

#include "core/error.hpp"
#include "core/input_limits.hpp"
#include "pg/boundary.hpp"
#include "pg/event_log.hpp"

extern "C" {
#include "commands/trigger.h"
}

using namespace cadence;

// Trigger on cadence.job_events: events are never updated or deleted, except by
// cadence._prune.
CADENCE_SQL_FUNCTION(cadence_events_are_append_only) {
    auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (data == nullptr || !CALLED_AS_TRIGGER(fcinfo))
        throw core::Error(core::ErrorKind::internal, "cadence._events_are_append_only must be a trigger");
    if (pg::pruning_events() && TRIGGER_FIRED_BY_DELETE(data->tg_event)) return PointerGetDatum(data->tg_trigtuple);
    throw core::Error(core::ErrorKind::wrong_state,
                      "cadence.job_events is append-only: events are never updated or deleted",
                      {}, "Old events are removed with cadence.prune_events(older_than).");
}

// cadence._max_queue_name_bytes() RETURNS int
CADENCE_SQL_FUNCTION(cadence_max_queue_name_bytes) {
    PG_RETURN_INT32(static_cast<int32>(core::max_queue_name_bytes));
}
