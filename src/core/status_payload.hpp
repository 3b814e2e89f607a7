// The NOTIFY payloads on channel cadence_status: JSON arrays of small messages,
// several events per notification, each payload under PostgreSQL's 8000-byte limit.
//
//   [{"type":"status","event_id":12,"job_id":3,"event":"completed","status":"completed",
//     "attempt":1,"queue":"default","at":"2026-11-24T10:00:00.123456Z"}, ...]
//   [{"type":"resync"}]   some events could not be published: replay from job_events
//   [..., {"type":"horizon","below":130}]   every event id below 130 is published
//                         or rolled back (docs/status-positions.md)
//
// Nothing user-written but the queue name: no error text, result, payload or SQL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/instant.hpp"

namespace cadence::core {

struct StatusEvent {
    std::int64_t event_id;
    std::int64_t job_id;
    std::string event;   // a status, or paused, resumed, altered, deleted
    std::string status;  // the job's status after the event ("deleted" once deleted)
    int attempt;
    std::string queue;
    Instant at;
};

// Largest payload produced (PostgreSQL refuses 8000 bytes and more).
inline constexpr std::size_t max_payload_bytes = 7900;

// One message as JSON.
std::string encode_status_event(const StatusEvent& event);

// The events of one transaction that changed too many jobs to publish them one by
// one (more than an eighth of the hand-off ring): listeners read them from the log.
struct EventRange {
    std::int64_t first_event_id = 0;
    std::int64_t last_event_id = 0;
};

// Packs the events, in order, into as few payloads as fit max_bytes each; then a
// ranged resync message per range ({"type":"resync","first_event_id":..,
// "last_event_id":..}: replay those ids); with `resync`, a resync message (replay
// everything since the last event seen) follows the last event; with a `horizon`
// above 0, {"type":"horizon","below":..} ends the last payload: every event id
// below it has now been published or rolled back (docs/status-positions.md).
std::vector<std::string> encode_status_batches(const std::vector<StatusEvent>& events, bool resync,
                                               std::size_t max_bytes = max_payload_bytes,
                                               const std::vector<EventRange>& ranges = {},
                                               std::int64_t horizon = 0);

}  // namespace cadence::core
