// Where a consumer of the status stream is: the position it resumes from after a
// reconnection, a resync or a restart (docs/status-positions.md).
//
// Event ids are taken before commit, so they commit out of order and "the largest
// id seen" is not a position: an id below it may still commit. The publisher
// announces a horizon instead ({"type":"horizon","below":H}: every id below H has
// been published or rolled back). A position is such a horizon plus the ids at or
// above it that the consumer has already handled; resuming replays the log from
// the horizon and skips those ids, so every event arrives exactly once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cadence::client {

class StreamPosition {
public:
    StreamPosition() = default;
    explicit StreamPosition(std::int64_t horizon) : horizon_(horizon) {}

    // Every id below it is handled; a replay starts at it.
    std::int64_t horizon() const { return horizon_; }

    // Whether `id` is new to the consumer; if so it counts as handled from now on.
    bool accept(std::int64_t id);
    bool handled(std::int64_t id) const;

    // Every id below `horizon` has been published: what the consumer did not get
    // of those it never will (rolled back, or not its to see). Never moves back.
    void advance(std::int64_t horizon);

    // "H+" or "H+a-b,c,...": the horizon, then the ids handled above it as ranges.
    // At most `max_ranges` ranges are written (the lowest are left out): a consumer
    // resuming from a position so cut gets those events again, never loses one.
    std::string encode(std::size_t max_ranges = default_max_ranges) const;
    // The encoded form; a plain number N (an event id, as sent before positions
    // existed) reads as "everything up to N". nullopt if it is neither.
    static std::optional<StreamPosition> parse(std::string_view text);

    // Ranges of handled ids above the horizon.
    std::size_t ranges() const { return ranges_.size(); }

    static constexpr std::size_t default_max_ranges = 200;

private:
    // Ids contiguous with the horizon join it.
    void absorb();

    std::int64_t horizon_ = 0;
    std::map<std::int64_t, std::int64_t> ranges_;  // first -> last, disjoint, not adjacent, >= horizon_
};

}  // namespace cadence::client
