#include "core/recent_ids.hpp"

#include <algorithm>

namespace cadence::core::serve {

bool RecentIds::insert(std::int64_t id) {
    if (id <= floor_) return false;
    if (!ids_.insert(id).second) return false;
    while (ids_.size() > capacity_) {
        floor_ = std::max(floor_, *ids_.begin());
        ids_.erase(ids_.begin());
    }
    return true;
}

bool RecentIds::contains(std::int64_t id) const { return id <= floor_ || ids_.count(id) > 0; }

void RecentIds::raise_floor(std::int64_t id) {
    if (id <= floor_) return;
    floor_ = id;
    ids_.erase(ids_.begin(), ids_.upper_bound(id));
}

std::int64_t RecentIds::replay_after() const {
    return ids_.empty() ? floor_ : std::max(floor_, *ids_.begin() - 1);
}

std::int64_t RecentIds::max_sent() const { return ids_.empty() ? floor_ : *ids_.rbegin(); }

}  // namespace cadence::core::serve
