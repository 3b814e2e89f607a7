#include "client/status_message.hpp"

#include <nlohmann/json.hpp>

namespace cadence::client {

namespace {

using nlohmann::json;

// Shortened for messages: a payload may be nearly 8000 bytes.
std::string excerpt(std::string_view payload) {
    constexpr std::size_t limit = 200;
    if (payload.size() <= limit) return std::string(payload);
    return std::string(payload.substr(0, limit)) + "...";
}

WatchEvent status_event(const json& message) {
    WatchEvent e;
    e.event_id = message.at("event_id").get<std::int64_t>();
    e.job_id = message.at("job_id").get<std::int64_t>();
    e.event = message.at("event").get<std::string>();
    e.status = message.at("status").get<std::string>();
    e.attempt = message.at("attempt").get<int>();
    e.queue = message.at("queue").get<std::string>();
    e.at = message.at("at").get<std::string>();
    return e;
}

}  // namespace

StatusNotification parse_status_notification(std::string_view payload) {
    json messages = json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (!messages.is_array())
        throw PayloadError("notification payload is not a JSON array: " + excerpt(payload));
    StatusNotification result;
    for (const auto& message : messages) {
        if (!message.is_object() || !message.contains("type") || !message["type"].is_string())
            throw PayloadError("notification message without a \"type\": " + excerpt(payload));
        auto type = message["type"].get<std::string>();
        if (type == "resync") {
            result.resync = true;
        } else if (type == "status") {
            try {
                result.events.push_back(status_event(message));
            } catch (const json::exception& e) {
                throw PayloadError("status message with a missing or mistyped field (" +
                                   std::string(e.what()) + "): " + excerpt(payload));
            }
        }
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
