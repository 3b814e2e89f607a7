#include "client/stream_position.hpp"

#include <charconv>
#include <iterator>
#include <vector>

namespace cadence::client {

bool StreamPosition::handled(std::int64_t id) const {
    if (id < horizon_) return true;
    auto it = ranges_.upper_bound(id);
    if (it == ranges_.begin()) return false;
    --it;
    return id <= it->second;
}

bool StreamPosition::accept(std::int64_t id) {
    if (handled(id)) return false;
    auto next = ranges_.upper_bound(id);
    bool joins_next = next != ranges_.end() && next->first == id + 1;
    auto prev = next == ranges_.begin() ? ranges_.end() : std::prev(next);
    bool joins_prev = prev != ranges_.end() && prev->second == id - 1;
    if (joins_prev && joins_next) {
        prev->second = next->second;
        ranges_.erase(next);
    } else if (joins_prev) {
        prev->second = id;
    } else if (joins_next) {
        std::int64_t last = next->second;
        ranges_.erase(next);
        ranges_.emplace(id, last);
    } else {
        ranges_.emplace(id, id);
    }
    absorb();
    return true;
}

void StreamPosition::advance(std::int64_t horizon) {
    if (horizon <= horizon_) return;
    horizon_ = horizon;
    while (!ranges_.empty() && ranges_.begin()->second < horizon_) ranges_.erase(ranges_.begin());
    if (!ranges_.empty() && ranges_.begin()->first < horizon_) {
        std::int64_t last = ranges_.begin()->second;
        ranges_.erase(ranges_.begin());
        ranges_.emplace(horizon_, last);
    }
    absorb();
}

void StreamPosition::absorb() {
    while (!ranges_.empty() && ranges_.begin()->first <= horizon_) {
        horizon_ = std::max(horizon_, ranges_.begin()->second + 1);
        ranges_.erase(ranges_.begin());
    }
}

std::string StreamPosition::encode(std::size_t max_ranges) const {
    std::string out = std::to_string(horizon_) + "+";
    std::size_t skip = ranges_.size() > max_ranges ? ranges_.size() - max_ranges : 0;
    bool first = true;
    for (const auto& [from, to] : ranges_) {
        if (skip > 0) {
            --skip;
            continue;
        }
        if (!first) out += ',';
        first = false;
        out += std::to_string(from);
        if (to != from) out += '-' + std::to_string(to);
    }
    return out;
}

namespace {

bool read_number(std::string_view& text, std::int64_t& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end == text.data() || value < 0) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
}

}  // namespace

std::optional<StreamPosition> StreamPosition::parse(std::string_view text) {
    std::int64_t horizon = 0;
    if (!read_number(text, horizon)) return std::nullopt;
    if (text.empty()) return horizon == INT64_MAX ? std::nullopt : std::optional(StreamPosition(horizon + 1));
    if (text.front() != '+') return std::nullopt;
    text.remove_prefix(1);
    StreamPosition position(horizon);
    std::int64_t previous = horizon - 1;
    while (!text.empty()) {
        std::int64_t from = 0;
        std::int64_t to = 0;
        if (!read_number(text, from)) return std::nullopt;
        to = from;
        if (!text.empty() && text.front() == '-') {
            text.remove_prefix(1);
            if (!read_number(text, to) || to < from) return std::nullopt;
        }
        // Ranges come in order, without overlapping, and of a sane width.
        if (from <= previous || to - from > (std::int64_t{1} << 40)) return std::nullopt;
        if (!position.ranges_.empty() && std::prev(position.ranges_.end())->second + 1 == from)
            std::prev(position.ranges_.end())->second = to;
        else
            position.ranges_.emplace(from, to);
        previous = to;
        if (!text.empty()) {
            if (text.front() != ',') return std::nullopt;
            text.remove_prefix(1);
            if (text.empty()) return std::nullopt;
        }
    }
    position.absorb();
    return position;
}

}  // namespace cadence::client
