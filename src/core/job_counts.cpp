#include "core/job_counts.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

void JobCountChanges::add(std::uint32_t owner, std::string_view queue, std::string_view status, int delta) {
    deltas_[{owner, std::string(queue), std::string(status)}] += delta;
}

void JobCountChanges::move(std::uint32_t owner, std::string_view from_queue, std::string_view from_status,
                           std::string_view to_queue, std::string_view to_status) {
    if (from_queue == to_queue && from_status == to_status) return;
    add(owner, from_queue, from_status, -1);
    add(owner, to_queue, to_status, +1);
}

std::vector<JobCountChanges::Change> JobCountChanges::changes() const {
    std::vector<Change> out;
    for (const auto& [key, delta] : deltas_)
        if (delta != 0) out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), delta});
    return out;
}

}  // namespace cadence::core
