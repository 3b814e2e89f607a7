#include "core/retry_policy.hpp"

#include <gtest/gtest.h>

namespace cadence::core {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, DoublesPerAttempt) {
    EXPECT_EQ(retry_delay(10s, 1, 0.5), 10s);
    EXPECT_EQ(retry_delay(10s, 2, 0.5), 20s);
    EXPECT_EQ(retry_delay(10s, 3, 0.5), 40s);
    EXPECT_EQ(retry_delay(10s, 10, 0.5), 5120s);
}

TEST(RetryPolicy, JitterStaysWithinTwentyPercent) {
    EXPECT_EQ(retry_delay(10s, 1, 0.0), 8s);
    EXPECT_LT(retry_delay(10s, 1, 1.0), 12s);
    EXPECT_GE(retry_delay(10s, 1, 1.0), 11999ms);
    EXPECT_EQ(retry_delay(10s, 1, -3.0), 8s);  // out-of-range randoms are clamped
}

TEST(RetryPolicy, CappedAtOneDayWhateverTheBackoff) {
    EXPECT_EQ(retry_delay(10s, 1000, 0.5), 24h);
    EXPECT_EQ(retry_delay(1s, 1000000, 0.5), 24h);
    // Refused by create_job since 0.2.0, but a row of 0.1.0 may hold one: its
    // retry must still be a time a timestamp holds.
    EXPECT_EQ(retry_delay(48h, 5, 0.5), 24h);
    EXPECT_LT(retry_delay(Micros(INT64_MAX / 2), 1, 0.999), 29h);
}

}  // namespace
}  // namespace cadence::core
