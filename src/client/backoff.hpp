// The waits between reconnection attempts: 100 ms, doubling, at most 5 s, so a
// short outage is bridged at once and a long one does not hammer the server.
#pragma once

#include <chrono>

namespace cadence::client {

class Backoff {
public:
    using Millis = std::chrono::milliseconds;

    explicit Backoff(Millis first = Millis(100), Millis longest = Millis(5000))
        : first_(first), longest_(longest), next_(first) {}

    // The wait before the next attempt; each call doubles the following one.
    Millis next();

    // After a successful connection the next outage starts short again.
    void reset() { next_ = first_; }

private:
    Millis first_;
    Millis longest_;
    Millis next_;
};

}  // namespace cadence::client
