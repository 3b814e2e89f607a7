#include "core/status_wire.hpp"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {

// The fields after "{" (or after "{\"type\":\"status\","), built by hand in the
// documented key order: cheaper than a JSON object, and stable.
void append_fields(std::string& out, const StatusEvent& e) {
    out += "\"event_id\":";
    out += std::to_string(e.event_id);
    out += ",\"job_id\":";
    out += std::to_string(e.job_id);
    out += ",\"event\":";
    out += json_quote(e.event);
    out += ",\"status\":";
    out += json_quote(e.status);
    out += ",\"attempt\":";
    out += std::to_string(e.attempt);
    out += ",\"queue\":";
    out += e.queue ? json_quote(*e.queue) : std::string("null");
    out += ",\"at\":";
    out += json_quote(e.at);
}

}  // namespace

std::string status_event_json(const StatusEvent& event, const std::optional<std::string>& name) {
    std::string out = "{";
    append_fields(out, event);
    if (name) {
        out += ",\"name\":";
        out += json_quote(*name);
    }
    out += '}';
    return out;
}

std::string encode_status_event(const StatusEvent& event) {
    std::string out = "{\"type\":\"status\",";
    append_fields(out, event);
    out += '}';
    return out;
}

std::string progress_json(const ProgressUpdate& update, bool with_type) {
    std::string out = with_type ? "{\"type\":\"progress\"," : "{";
    out += "\"job_id\":";
    out += std::to_string(update.job_id);
    out += ",\"queue\":";
    out += update.queue ? json_quote(*update.queue) : std::string("null");
    out += ",\"progress\":";
    // A real (float4) in percent: the shortest text that reads back as the same
    // float, as PostgreSQL shows it (33.3, not 33.29999923706055).
    char digits[32];
    auto written = std::to_chars(digits, digits + sizeof(digits), static_cast<float>(update.progress));
    out.append(digits, written.ptr);
    out += ",\"at\":";
    out += json_quote(update.at);
    out += '}';
    return out;
}

std::vector<std::string> encode_progress_batches(const std::vector<ProgressUpdate>& updates, std::size_t max_bytes) {
    std::vector<std::string> payloads;
    std::string current;
    for (const auto& update : updates) {
        std::string message = progress_json(update, true);
        if (!current.empty() && current.size() + 1 + message.size() + 1 > max_bytes) {
            payloads.push_back(current + "]");
            current.clear();
        }
        current += current.empty() ? "[" : ",";
        current += message;
    }
    if (!current.empty()) payloads.push_back(current + "]");
    return payloads;
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

std::optional<StatusNotification> decode_status_notification(std::string_view payload) {
    auto parsed = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_array()) return std::nullopt;
    StatusNotification out;
    for (const auto& message : parsed) {
        if (!message.is_object()) continue;
        // Anyone may NOTIFY this channel: a message that is not ours is skipped,
        // never a reason to throw (a client decodes before it checks the sender).
        auto type_field = message.find("type");
        if (type_field == message.end() || !type_field->is_string()) continue;
        const std::string& type = type_field->get_ref<const std::string&>();
        if (type == "resync") {
            auto first = message.find("first_event_id");
            auto last = message.find("last_event_id");
            if (first != message.end() && last != message.end() && first->is_number_integer() &&
                last->is_number_integer())
                out.ranges.push_back({first->get<std::int64_t>(), last->get<std::int64_t>()});
            else
                out.resync = true;
        } else if (type == "horizon") {
            auto below = message.find("below");
            if (below != message.end() && below->is_number_integer())
                out.horizon = std::max(out.horizon.value_or(0), below->get<std::int64_t>());
        } else if (type == "progress") {
            auto job = message.find("job_id");
            auto value = message.find("progress");
            if (job == message.end() || !job->is_number_integer() || value == message.end() || !value->is_number())
                continue;
            ProgressUpdate update;
            update.job_id = job->get<std::int64_t>();
            update.progress = value->get<double>();
            if (auto queue = message.find("queue"); queue != message.end() && queue->is_string())
                update.queue = queue->get<std::string>();
            if (auto at = message.find("at"); at != message.end() && at->is_string()) update.at = at->get<std::string>();
            out.progress.push_back(std::move(update));
        } else if (type == "status") {
            try {
                StatusEvent e;
                e.event_id = message.at("event_id").get<std::int64_t>();
                e.job_id = message.at("job_id").get<std::int64_t>();
                e.event = message.at("event").get<std::string>();
                e.status = message.at("status").get<std::string>();
                e.attempt = message.at("attempt").get<int>();
                if (auto queue = message.find("queue"); queue != message.end() && queue->is_string())
                    e.queue = queue->get<std::string>();
                if (auto at = message.find("at"); at != message.end() && at->is_string()) e.at = at->get<std::string>();
                out.events.push_back(std::move(e));
            } catch (const nlohmann::json::exception&) {
                // A message we cannot read is treated as lost: ask for a replay.
                out.resync = true;
            }
        }
    }
    return out;
}

}  // namespace cadence::core
