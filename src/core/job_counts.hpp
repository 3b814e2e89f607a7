// What one lifecycle statement does to the number of jobs per owner, queue and
// status (cadence.job_count_changes): a job that moves from one (queue, status) to
// another is -1 there and +1 here; a new job +1, a deleted one -1.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace cadence::core {

class JobCountChanges {
public:
    struct Change {
        std::uint32_t owner;
        std::string queue;
        std::string status;
        int delta;
        bool operator==(const Change&) const = default;
    };

    void add(std::uint32_t owner, std::string_view queue, std::string_view status, int delta);
    // A job of `owner` that was in (from_queue, from_status) and is in (to_queue, to_status).
    void move(std::uint32_t owner, std::string_view from_queue, std::string_view from_status,
              std::string_view to_queue, std::string_view to_status);

    // The changes that do not cancel out, in (owner, queue, status) order.
    std::vector<Change> changes() const;

private:
    std::map<std::tuple<std::uint32_t, std::string, std::string>, int> deltas_;
};

}  // namespace cadence::core
