// The messages `cadence watch` reads (NOTIFY payloads on cadence_status, rows of
// cadence.job_events) and the JSON line it prints for each event.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadence::client {

// One event of one job, as printed.
struct WatchEvent {
    std::int64_t event_id = 0;
    std::int64_t job_id = 0;
    std::string event;                 // a status, or paused, resumed, altered, deleted
    std::string status;                // the job's status after it
    int attempt = 0;
    std::optional<std::string> queue;  // unknown for a replayed event of a job already gone
    std::string at;                    // RFC 3339 UTC, as the publisher writes it
};

// One notification's content: its status events in order, and whether it asked
// for a replay from the event log.
struct StatusNotification {
    std::vector<WatchEvent> events;
    bool resync = false;
    // Event id ranges (first, last) of bulk changes, to be read from the log.
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    // Every event id below it has been published (see stream_position.hpp).
    std::optional<std::int64_t> horizon;
};

// A payload that is not the documented JSON array.
class PayloadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses a cadence_status payload. Messages of unknown types are skipped, so that
// a newer server can add some; a malformed payload throws PayloadError.
StatusNotification parse_status_notification(std::string_view payload);

// The output line (without newline): {"event_id":..,"job_id":..,"event":..,"status":..,
// "attempt":..,"queue":..,"at":..} and, when given, "name" last.
std::string format_event_line(const WatchEvent& event,
                              const std::optional<std::string>& name = std::nullopt);

}  // namespace cadence::client
