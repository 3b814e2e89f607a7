#include "core/status_payload.hpp"

#include <nlohmann/json.hpp>

namespace cadence::core {

std::string encode_status_event(const StatusEvent& event) {
    // Built by hand in a fixed key order: cheaper than a JSON object, and stable.
    std::string out = "{\"type\":\"status\",\"event_id\":" + std::to_string(event.event_id) +
                      ",\"job_id\":" + std::to_string(event.job_id) + ",\"event\":" +
                      nlohmann::json(event.event).dump() + ",\"status\":" +
                      nlohmann::json(event.status).dump() +
                      ",\"attempt\":" + std::to_string(event.attempt) + ",\"queue\":" +
                      nlohmann::json(event.queue).dump(-1, ' ', false,
                                                       nlohmann::json::error_handler_t::replace) +
                      ",\"at\":\"" + format_instant(event.at) + "\"}";
    return out;
}

std::vector<std::string> encode_status_batches(const std::vector<StatusEvent>& events, bool resync,
                                               std::size_t max_bytes, const std::vector<EventRange>& ranges,
                                               std::int64_t horizon) {
    static const std::string resync_message = "{\"type\":\"resync\"}";
    std::vector<std::string> payloads;
    std::string current;
    auto add = [&](const std::string& message) {
        if (!current.empty() && current.size() + 1 + message.size() + 1 > max_bytes) {
            payloads.push_back(current + "]");
            current.clear();
        }
        current += current.empty() ? "[" : ",";
        current += message;
    };
    for (const auto& event : events) add(encode_status_event(event));
    for (const auto& range : ranges)
        add("{\"type\":\"resync\",\"first_event_id\":" + std::to_string(range.first_event_id) +
            ",\"last_event_id\":" + std::to_string(range.last_event_id) + "}");
    if (resync) add(resync_message);
    if (horizon > 0) add("{\"type\":\"horizon\",\"below\":" + std::to_string(horizon) + "}");
    if (!current.empty()) payloads.push_back(current + "]");
    return payloads;
}

}  // namespace cadence::core
