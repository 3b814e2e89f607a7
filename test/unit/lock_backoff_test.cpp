#include "core/lock_backoff.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace cadence::core {
namespace {

std::vector<std::int64_t> delays(LockBackoff& backoff, std::int64_t job_id, int count) {
    std::vector<std::int64_t> out;
    for (int i = 0; i < count; ++i) out.push_back(backoff.next_delay(job_id));
    return out;
}

TEST(LockBackoff, GrowsFromTheFirstDelayUpToTheCap) {
    LockBackoff backoff;  // 100 ms, four times longer each miss, up to 5 s
    EXPECT_EQ(delays(backoff, 7, 6),
              (std::vector<std::int64_t>{100000, 400000, 1600000, 5000000, 5000000, 5000000}));
    EXPECT_EQ(backoff.misses(7), 6u);
}

TEST(LockBackoff, GrowthIsAParameter) {
    LockBackoff doubling(100000, 5000000, 2);
    EXPECT_EQ(delays(doubling, 7, 9),
              (std::vector<std::int64_t>{100000, 200000, 400000, 800000, 1600000, 3200000,
                                         5000000, 5000000, 5000000}));
    LockBackoff constant(250, 5000, 1);
    EXPECT_EQ(delays(constant, 7, 3), (std::vector<std::int64_t>{250, 250, 250}));
}

TEST(LockBackoff, EachJobCountsItsOwnMisses) {
    LockBackoff backoff(10, 1000, 2);
    EXPECT_EQ(backoff.next_delay(1), 10);
    EXPECT_EQ(backoff.next_delay(1), 20);
    EXPECT_EQ(backoff.next_delay(2), 10);
    EXPECT_EQ(backoff.next_delay(1), 40);
    EXPECT_EQ(backoff.next_delay(2), 20);
    EXPECT_EQ(backoff.size(), 2u);
}

TEST(LockBackoff, ForgettingAJobStartsItAfresh) {
    LockBackoff backoff(10, 1000, 2);
    delays(backoff, 1, 5);
    delays(backoff, 2, 3);
    backoff.forget(1);
    EXPECT_EQ(backoff.misses(1), 0u);
    EXPECT_EQ(backoff.size(), 1u);
    EXPECT_EQ(backoff.next_delay(1), 10);
    EXPECT_EQ(backoff.next_delay(2), 80);  // the other job is untouched
    backoff.forget(99);                    // never backed off: nothing happens
    EXPECT_EQ(backoff.size(), 2u);
}

TEST(LockBackoff, ClearStartsEveryJobAfresh) {
    LockBackoff backoff(10, 1000, 2);
    for (std::int64_t id = 1; id <= 100; ++id) delays(backoff, id, 4);
    backoff.clear();
    EXPECT_EQ(backoff.size(), 0u);
    EXPECT_EQ(backoff.next_delay(50), 10);
}

TEST(LockBackoff, HoldsOnlyTheJobsBackingOff) {
    LockBackoff backoff;
    // Forgetting jobs that never backed off (every timer the scheduler sets) costs nothing.
    for (std::int64_t id = 1; id <= 1000000; ++id) backoff.forget(id);
    EXPECT_EQ(backoff.size(), 0u);
    for (std::int64_t id = 1; id <= 2000; ++id) backoff.next_delay(id);
    EXPECT_EQ(backoff.size(), 2000u);
    for (std::int64_t id = 1; id <= 2000; ++id) backoff.forget(id);
    EXPECT_EQ(backoff.size(), 0u);
    EXPECT_EQ(backoff.next_delay(1), LockBackoff::default_first_us);
}

TEST(LockBackoff, ManyMissesStayAtTheCap) {
    LockBackoff backoff(1, std::numeric_limits<std::int64_t>::max(), 3);
    std::int64_t last = 0;
    for (int i = 0; i < 1000; ++i) {
        std::int64_t delay = backoff.next_delay(3);
        EXPECT_GE(delay, last);  // never overflows into a short or negative delay
        last = delay;
    }
    EXPECT_EQ(last, std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(backoff.misses(3), 255u);  // the count saturates
}

TEST(LockBackoff, ACapBelowTheFirstDelayIsTheFirstDelay) {
    LockBackoff backoff(500, 100);
    EXPECT_EQ(backoff.next_delay(1), 500);
    EXPECT_EQ(backoff.next_delay(1), 500);
    EXPECT_THROW(LockBackoff(0, 100), std::invalid_argument);
    EXPECT_THROW(LockBackoff(-1, 100), std::invalid_argument);
    EXPECT_THROW(LockBackoff(10, 100, 0), std::invalid_argument);
}

}  // namespace
}  // namespace cadence::core
