// What `cadence watch` follows: one job, one queue, or every job; and when a
// followed job has reached its end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "client/status_message.hpp"

namespace cadence::client {

struct WatchTarget {
    enum class Kind { job, queue, all };
    Kind kind = Kind::all;
    std::int64_t job_id = 0;  // Kind::job
    std::string queue;        // Kind::queue

    static WatchTarget for_job(std::int64_t id) { return {Kind::job, id, {}}; }
    static WatchTarget for_queue(std::string name) { return {Kind::queue, 0, std::move(name)}; }
    static WatchTarget everything() { return {}; }

    // Whether an event belongs to what is watched. An event whose queue is
    // unknown never matches a queue.
    bool matches(const WatchEvent& event) const;
};

// Whether `watch --job` stops after a status: completed, fatal, canceled or
// deleted. `error` is not an end: the scheduler retries it (or, once attempts
// are used up, the run is fatal instead), and a periodic job fires again.
bool is_final_status(std::string_view status);

}  // namespace cadence::client
