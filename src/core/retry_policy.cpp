#include "core/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

Micros retry_delay(Micros backoff, int attempt, double unit_random) {
    const double cap = static_cast<double>(max_retry_delay.count());
    double delay = static_cast<double>(backoff.count());
    for (int i = 1; i < attempt && delay < cap; ++i) delay *= 2;
    delay = std::min(delay, cap);
    double jitter = 0.8 + 0.4 * std::clamp(unit_random, 0.0, 0.999999);
    return Micros(std::llround(delay * jitter));
}

}  // namespace cadence::core
