// The Server-Sent-Events side of `cadence serve`: one status event as an SSE
// message, the NOTIFY payloads it comes from, and which statuses end a job stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadence::client::serve {

// One status event as the gateway sends it (the NOTIFY message without "type").
struct StreamEvent {
    std::int64_t event_id = 0;
    std::int64_t job_id = 0;
    std::string event;
    std::string status;
    int attempt = 0;
    std::string queue;
    std::string at;  // RFC 3339, UTC
    std::string json;  // event_json of it, when made already (once for every stream)
};

// {"event_id":..,"job_id":..,"event":..,"status":..,"attempt":..,"queue":..,"at":..}
std::string event_json(const StreamEvent& event);

// "id: N\nevent: status\ndata: {...}\n\n", N the event id unless `id` says otherwise
// (a stream position, for the client's Last-Event-ID).
std::string sse_message(const StreamEvent& event, std::string_view id = {});

// The comment line sent every 15 seconds so that proxies and browsers keep the stream.
inline constexpr std::string_view sse_keepalive = ": keepalive\n\n";

// A decoded cadence_status payload: its status events in order, and whether it
// asked for a resync. Unknown message types are skipped; nullopt if it is not a
// JSON array at all.
struct StatusNotification {
    std::vector<StreamEvent> events;
    bool resync = false;
    // Ranged resyncs: a bulk change's events, to be read from the log by id.
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    // {"type":"horizon","below":H}: every event id below H has been published (or
    // rolled back) by the time this notification was sent.
    std::optional<std::int64_t> horizon;
};
std::optional<StatusNotification> parse_status_notification(std::string_view payload);

// completed, fatal, canceled or deleted: a job stream ends after sending one.
bool ends_job_stream(std::string_view status);

}  // namespace cadence::client::serve
