#include "client/sse_message.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "client/serve_http.hpp"

namespace cadence::client::serve {

std::string event_json(const StreamEvent& e) {
    // Fixed key order, like the NOTIFY payload itself.
    return "{\"event_id\":" + std::to_string(e.event_id) + ",\"job_id\":" +
           std::to_string(e.job_id) + ",\"event\":" + json_quote(e.event) +
           ",\"status\":" + json_quote(e.status) + ",\"attempt\":" + std::to_string(e.attempt) +
           ",\"queue\":" + json_quote(e.queue) + ",\"at\":" + json_quote(e.at) + "}";
}

std::string sse_message(const StreamEvent& e, std::string_view id) {
    // event_json has no newline, so it is one data line.
    return "id: " + (id.empty() ? std::to_string(e.event_id) : std::string(id)) + "\nevent: status\ndata: " +
           (e.json.empty() ? event_json(e) : e.json) + "\n\n";
}

std::optional<StatusNotification> parse_status_notification(std::string_view payload) {
    auto parsed = nlohmann::json::parse(payload, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array()) return std::nullopt;
    StatusNotification out;
    for (const auto& message : parsed) {
        if (!message.is_object()) continue;
        auto type = message.value("type", std::string());
        if (type == "resync") {
            auto first = message.find("first_event_id");
            auto last = message.find("last_event_id");
            if (first != message.end() && last != message.end() && first->is_number_integer() &&
                last->is_number_integer())
                out.ranges.emplace_back(first->get<std::int64_t>(), last->get<std::int64_t>());
            else
                out.resync = true;
        } else if (type == "horizon") {
            auto below = message.find("below");
            if (below != message.end() && below->is_number_integer())
                out.horizon = std::max(out.horizon.value_or(0), below->get<std::int64_t>());
        } else if (type == "status") {
            try {
                StreamEvent e;
                e.event_id = message.at("event_id").get<std::int64_t>();
                e.job_id = message.at("job_id").get<std::int64_t>();
                e.event = message.at("event").get<std::string>();
                e.status = message.at("status").get<std::string>();
                e.attempt = message.at("attempt").get<int>();
                e.queue = message.value("queue", std::string());
                e.at = message.value("at", std::string());
                out.events.push_back(std::move(e));
            } catch (const nlohmann::json::exception&) {
                // A message we cannot read is treated as lost: ask for a replay.
                out.resync = true;
            }
        }
    }
    return out;
}

bool ends_job_stream(std::string_view status) {
    return status == "completed" || status == "fatal" || status == "canceled" ||
           status == "deleted";
}

}  // namespace cadence::client::serve
