// What `cadence watch` follows: one job, one queue, or every job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status_wire.hpp"

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
    bool matches(const core::StatusEvent& event) const { return matches(event.job_id, event.queue); }
    bool matches(const core::ProgressUpdate& update) const { return matches(update.job_id, update.queue); }
    bool matches(std::int64_t job, const std::optional<std::string>& job_queue) const;
};

}  // namespace cadence::client
