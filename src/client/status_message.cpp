#include "client/status_message.hpp"

#include <nlohmann/json.hpp>

#include "client/sse_message.hpp"

namespace cadence::client {

namespace {

using nlohmann::json;

// Shortened for messages: a payload may be nearly 8000 bytes.
std::string excerpt(std::string_view payload) {
    constexpr std::size_t limit = 200;
    if (payload.size() <= limit) return std::string(payload);
    return std::string(payload.substr(0, limit)) + "...";
}

}  // namespace

StatusNotification parse_status_notification(std::string_view payload) {
    // One decoder for the gateway and watch (src/client/sse_message.cpp).
    auto decoded = serve::parse_status_notification(payload);
    if (!decoded) throw PayloadError("notification payload is not a JSON array: " + excerpt(payload));
    StatusNotification result;
    result.resync = decoded->resync;
    result.ranges = decoded->ranges;
    result.horizon = decoded->horizon;
    for (auto& e : decoded->events) {
        result.events.push_back(WatchEvent{e.event_id, e.job_id, std::move(e.event), std::move(e.status),
                                           e.attempt, std::move(e.queue), std::move(e.at)});
    }
    return result;
}

std::string format_event_line(const WatchEvent& event, const std::optional<std::string>& name) {
    // ordered_json: the documented field order is part of the stable format.
    nlohmann::ordered_json line;
    line["event_id"] = event.event_id;
    line["job_id"] = event.job_id;
    line["event"] = event.event;
    line["status"] = event.status;
    line["attempt"] = event.attempt;
    line["queue"] = event.queue ? json(*event.queue) : json(nullptr);
    line["at"] = event.at;
    if (name) line["name"] = *name;
    // Job names are user text: invalid UTF-8 must not make the line unprintable.
    return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cadence::client
