// How long the scheduler waits before looking again at a job it fired but could
// not act on: another transaction held its status row, or its timer came back
// still due. The first wait is short, each further miss in a row makes it four
// times longer, up to a cap (100 ms, 400 ms, 1.6 s, then 5 s), and anything else
// that sets the job's timer (a committed change read from the ring, a fire that
// did act, a reload) starts the count afresh.
//
// A holder that commits a change tells the scheduler through the ring at once;
// only one that commits nothing (or rolls back) is waited out, so the cap can be
// generous. Only the jobs backing off right now take memory (a hash entry each):
// a million jobs with timers pay nothing for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace cadence::core {

class LockBackoff {
public:
    static constexpr std::int64_t default_first_us = 100 * 1000;
    static constexpr std::int64_t default_cap_us = 5 * 1000 * 1000;
    static constexpr unsigned default_growth = 4;

    // first_us must be positive and growth at least 1; a cap below first_us is
    // raised to it.
    explicit LockBackoff(std::int64_t first_us = default_first_us,
                         std::int64_t cap_us = default_cap_us,
                         unsigned growth = default_growth);

    // One more miss in a row for the job: how long to wait before looking again
    // (first_us, then growth times that, and so on, never more than cap_us).
    std::int64_t next_delay(std::int64_t job_id);

    // The job's timer was set by something else: its next miss waits first_us.
    void forget(std::int64_t job_id) noexcept;
    // Every job starts afresh (the timers were reloaded).
    void clear() noexcept;

    // Misses in a row recorded for the job (0 when it is not backing off).
    unsigned misses(std::int64_t job_id) const noexcept;
    // Jobs backing off.
    std::size_t size() const noexcept { return misses_.size(); }

    std::int64_t first_us() const noexcept { return first_us_; }
    std::int64_t cap_us() const noexcept { return cap_us_; }
    unsigned growth() const noexcept { return growth_; }

private:
    std::int64_t first_us_;
    std::int64_t cap_us_;
    unsigned growth_;
    // Misses in a row, saturating: the delay stops growing at the cap long before.
    std::unordered_map<std::int64_t, std::uint8_t> misses_;
};

}  // namespace cadence::core
