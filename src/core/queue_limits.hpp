// Per-queue limits on how many SQL runs the executors run at once, written as
// "queue=limit, queue=limit" (the cadence.executor_queue_limits setting).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cadence::core {

struct QueueLimit {
    std::string queue;
    int limit;  // at least 1
};

// Parses the setting. An empty or blank text means no limits. Throws an
// invalid_parameter Error naming the offending entry: a missing '=', an empty or
// over-long (63 bytes) queue name, a limit that is not a whole number from 1 to
// 10000, or a queue named twice.
std::vector<QueueLimit> parse_queue_limits(std::string_view text);

}  // namespace cadence::core
