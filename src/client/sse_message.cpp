#include "client/sse_message.hpp"

#include <utility>

namespace cadence::client::serve {

EncodedEvent::EncodedEvent(core::StatusEvent e) : event(std::move(e)), json(core::status_event_json(event)) {}

std::string sse_message(const EncodedEvent& e, std::string_view id) {
    // The JSON has no newline, so it is one data line.
    return "id: " + (id.empty() ? std::to_string(e.event.event_id) : std::string(id)) +
           "\nevent: status\ndata: " + e.json + "\n\n";
}

}  // namespace cadence::client::serve
