// The Server-Sent-Events framing of `cadence serve`: a status event
// (core/status_wire.hpp) as an SSE message.
#pragma once

#include <string>
#include <string_view>

#include "core/status_wire.hpp"

namespace cadence::client::serve {

// A status event with its JSON, encoded once for every stream that sends it.
struct EncodedEvent {
    core::StatusEvent event;
    std::string json;  // core::status_event_json(event)
    explicit EncodedEvent(core::StatusEvent e);
};

// A running job's progress with its JSON (core::progress_json), encoded once.
struct EncodedProgress {
    core::ProgressUpdate update;
    std::string json;
    explicit EncodedProgress(core::ProgressUpdate u);
};

// "event: progress\ndata: {...}\n\n": no id, so the client's Last-Event-ID stays
// the last status event's (progress is not replayed).
std::string sse_message(const EncodedProgress& progress);

// "id: N\nevent: status\ndata: {...}\n\n", N the event id unless `id` says otherwise
// (a stream position, for the client's Last-Event-ID).
std::string sse_message(const EncodedEvent& event, std::string_view id = {});

// The comment line sent every 15 seconds so that proxies and browsers keep the stream.
inline constexpr std::string_view sse_keepalive = ": keepalive\n\n";

}  // namespace cadence::client::serve
