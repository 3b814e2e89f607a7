// How long a failed attempt waits before its retry: exponential backoff with jitter.
#pragma once

#include "core/instant.hpp"

namespace cadence::core {

// Longest wait between two attempts, however many have failed.
inline constexpr Micros max_retry_delay = std::chrono::hours(24);

// backoff * 2^(attempt - 1), capped at max_retry_delay, then
// scaled by a jitter factor in [0.8, 1.2) from `unit_random` in [0, 1) so that jobs
// failing together do not retry together. attempt counts from 1.
Micros retry_delay(Micros backoff, int attempt, double unit_random);

}  // namespace cadence::core
