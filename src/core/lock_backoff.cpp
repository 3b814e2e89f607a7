#include "core/lock_backoff.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {
// A table grown by a burst of backing-off jobs is given back once it is empty again.
constexpr std::size_t kept_buckets = 64;
}  // namespace

LockBackoff::LockBackoff(std::int64_t first_us, std::int64_t cap_us, unsigned growth)
    : first_us_(first_us), cap_us_(std::max(cap_us, first_us)), growth_(growth) {
    if (first_us <= 0) throw std::invalid_argument("lock backoff: the first delay must be positive");
    if (growth < 1) throw std::invalid_argument("lock backoff: the growth must be at least 1");
}

std::int64_t LockBackoff::next_delay(std::int64_t job_id) {
    std::uint8_t& count = misses_[job_id];
    if (count < std::numeric_limits<std::uint8_t>::max()) ++count;
    // first * growth^(count - 1), growing only while below the cap (so never overflowing).
    const auto growth = static_cast<std::int64_t>(growth_);
    std::int64_t delay = first_us_;
    for (unsigned i = 1; i < count && delay < cap_us_; ++i)
        delay = delay > cap_us_ / growth ? cap_us_ : delay * growth;
    return delay;
}

void LockBackoff::forget(std::int64_t job_id) noexcept {
    if (misses_.empty()) return;  // the usual case: nothing backs off
    misses_.erase(job_id);
    if (misses_.empty() && misses_.bucket_count() > kept_buckets) clear();
}

void LockBackoff::clear() noexcept {
    std::unordered_map<std::int64_t, std::uint8_t>().swap(misses_);
}

unsigned LockBackoff::misses(std::int64_t job_id) const noexcept {
    auto it = misses_.find(job_id);
    return it == misses_.end() ? 0u : it->second;
}

}  // namespace cadence::core
