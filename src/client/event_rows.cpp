#include "client/event_rows.hpp"

#include "core/instant.hpp"

namespace cadence::client {

std::optional<core::StatusEvent> event_from_row(const std::vector<std::optional<std::string>>& row) {
    if (row.size() < 7 || !row[0] || !row[1] || !row[2] || !row[3] || !row[4] || !row[6]) return std::nullopt;
    core::StatusEvent e;
    e.event_id = std::stoll(*row[0]);
    e.job_id = std::stoll(*row[1]);
    e.event = *row[2];
    e.status = *row[3];
    e.attempt = std::stoi(*row[4]);
    e.queue = row[5];
    e.at = core::format_instant(core::instant_from_unix_micros(std::stoll(*row[6])));
    return e;
}

}  // namespace cadence::client
