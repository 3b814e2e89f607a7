// Status events read back from the log, by `cadence watch` and `cadence serve`
// alike: one select list and one row decoder, so that a replayed event reads
// exactly like the notified one (core/status_wire.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status_wire.hpp"

namespace cadence::client {

// The columns of a StatusEvent, in its order, with `e` the event and `j` its job
// where it still exists: the event's own queue (for an event written by 0.1.0,
// the job's), and the time in microseconds, formatted as the publisher does.
inline constexpr const char* event_columns =
    "e.id, e.job_id, e.event, e.status, e.attempt, coalesce(e.queue, j.queue), "
    "(extract(epoch FROM e.at) * 1000000)::bigint";

// SELECT event_columns FROM the log with its jobs: add a WHERE.
inline constexpr const char* events_from =
    " FROM cadence.job_events e LEFT JOIN cadence.jobs j ON j.id = e.job_id";

// The event in the first seven columns of a row; nullopt if they are not there.
std::optional<core::StatusEvent> event_from_row(const std::vector<std::optional<std::string>>& row);

}  // namespace cadence::client
