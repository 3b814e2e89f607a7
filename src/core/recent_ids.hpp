// The event ids a stream has recently sent, for de-duplication.
//
// Event ids are allocated before commit, so a transaction that commits late can
// publish an id smaller than one already sent: "max id sent" alone would drop it.
// The set keeps the last `capacity` ids; anything below the smallest id it still
// holds (the floor) counts as sent, since it is too old to be new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>

namespace cadence::core::serve {

class RecentIds {
public:
    explicit RecentIds(std::size_t capacity = 4096) : capacity_(capacity) {}

    // True if `id` was not sent yet (and records it); false for a duplicate.
    bool insert(std::int64_t id);

    bool contains(std::int64_t id) const;

    // Everything at or below `id` counts as sent from now on (a job stream's
    // events arrive in order, so its snapshot's id is such a floor).
    void raise_floor(std::int64_t id);

    // The id from which a replay must start (exclusive): the floor, or the
    // smallest id held, so that late commits between held ids are found again.
    std::int64_t replay_after() const;

    // The largest id sent, or the floor when none is held.
    std::int64_t max_sent() const;

    std::size_t size() const { return ids_.size(); }

private:
    std::size_t capacity_;
    std::int64_t floor_ = 0;  // ids <= floor_ are treated as sent
    std::set<std::int64_t> ids_;
};

}  // namespace cadence::core::serve
