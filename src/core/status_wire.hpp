// The wire format of status events: the one event type, its JSON, the NOTIFY
// payloads on channel cadence_status and their decoder. The publisher encodes;
// `cadence watch` and `cadence serve` decode and re-encode with the same code, so
// a line of watch, an SSE message and a payload message always agree.
//
//   [{"type":"status","event_id":12,"job_id":3,"event":"completed","status":"completed",
//     "attempt":1,"queue":"default","at":"2026-11-24T10:00:00.123456Z"}, ...]
//   [{"type":"resync"}]   some events could not be published: replay from job_events
//   [{"type":"resync","first_event_id":5,"last_event_id":9}]   replay those ids
//   [..., {"type":"horizon","below":130}]   every event id below 130 is published
//                         or rolled back (docs/status-positions.md)
//   [{"type":"progress","job_id":3,"queue":"default","progress":40,"at":"..."}, ...]
//                         a heartbeat changed a running job's progress: not an
//                         event, not in the log (so not replayed), sent in payloads
//                         of their own, at most every 250 ms per job
//
// Nothing user-written but the queue name: no error text, result, payload or SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadence::core {

// One event of one job.
struct StatusEvent {
    std::int64_t event_id = 0;
    std::int64_t job_id = 0;
    std::string event;                 // a name of core::event_names
    std::string status;                // the job's status after it ("deleted" once deleted)
    int attempt = 0;
    std::optional<std::string> queue;  // unknown for a 0.1.0 event of a job since deleted
    std::string at;                    // RFC 3339 UTC, as format_instant writes it
};

// A running job's progress (0 to 100), as a heartbeat reported it.
struct ProgressUpdate {
    std::int64_t job_id = 0;
    std::optional<std::string> queue;
    double progress = 0;
    std::string at;  // the heartbeat's time, RFC 3339 UTC
    bool operator==(const ProgressUpdate&) const = default;
};

// How often the publisher sends the progress of one job at most.
inline constexpr int progress_interval_ms = 250;

// Largest payload produced (PostgreSQL refuses 8000 bytes and more).
inline constexpr std::size_t max_payload_bytes = 7900;

// {"event_id":..,"job_id":..,"event":..,"status":..,"attempt":..,"queue":..,"at":..}
// in this order, and "name" last when given: an SSE message's data and a line of
// `cadence watch`. Invalid UTF-8 in the queue or name becomes U+FFFD.
std::string status_event_json(const StatusEvent& event, const std::optional<std::string>& name = std::nullopt);

// The NOTIFY message: status_event_json with "type":"status" first.
std::string encode_status_event(const StatusEvent& event);

// The events of one transaction that changed too many jobs to publish them one by
// one (more than an eighth of the hand-off ring): listeners read them from the log.
struct EventRange {
    std::int64_t first_event_id = 0;
    std::int64_t last_event_id = 0;
    bool operator==(const EventRange&) const = default;
};

// Packs the events, in order, into as few payloads as fit max_bytes each; then a
// ranged resync message per range; with `resync`, a resync message (replay
// everything since the last event seen) follows the last event; with a `horizon`
// above 0, {"type":"horizon","below":..} ends the last payload.
std::vector<std::string> encode_status_batches(const std::vector<StatusEvent>& events, bool resync,
                                               std::size_t max_bytes = max_payload_bytes,
                                               const std::vector<EventRange>& ranges = {},
                                               std::int64_t horizon = 0);

// {"job_id":..,"queue":..,"progress":..,"at":..}: an SSE progress message's data
// and a progress line of `cadence watch` (with "type":"progress" first).
std::string progress_json(const ProgressUpdate& update, bool with_type = false);

// Packs progress messages into payloads of their own (never mixed with events).
std::vector<std::string> encode_progress_batches(const std::vector<ProgressUpdate>& updates,
                                                 std::size_t max_bytes = max_payload_bytes);

// One decoded payload.
struct StatusNotification {
    std::vector<StatusEvent> events;  // in order
    bool resync = false;              // replay everything since the last event seen
    std::vector<EventRange> ranges;   // replay these ids
    std::optional<std::int64_t> horizon;
    std::vector<ProgressUpdate> progress;  // malformed ones are dropped: the next one comes soon
};

// Decodes a cadence_status payload; nullopt if it is not a JSON array. Messages
// of unknown types are skipped, so that a newer server can add some; a status
// message that cannot be read counts as lost (resync).
std::optional<StatusNotification> decode_status_notification(std::string_view payload);

}  // namespace cadence::core
