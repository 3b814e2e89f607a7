#include "client/sse_message.hpp"

#include <utility>

namespace cadence::client::serve {

EncodedEvent::EncodedEvent(core::StatusEvent e) : event(std::move(e)), json(core::status_event_json(event)) {}

EncodedProgress::EncodedProgress(core::ProgressUpdate u) : update(std::move(u)), json(core::progress_json(update)) {}

std::string sse_message(const EncodedProgress& p) { return "event: progress\ndata: " + p.json + "\n\n"; }

std::string sse_message(const EncodedEvent& e, std::string_view id) {
    // The JSON has no newline, so it is one data line.
    return "id: " + (id.empty() ? std::to_string(e.event.event_id) : std::string(id)) +
           "\nevent: status\ndata: " + e.json + "\n\n";
}

}  // namespace cadence::client::serve
