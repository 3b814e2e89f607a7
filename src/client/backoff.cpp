#include "client/backoff.hpp"

#include <algorithm>

namespace cadence::client {

Backoff::Millis Backoff::next() {
    Millis wait = std::min(next_, longest_);
    next_ = std::min(wait * 2, longest_);
    return wait;
}

}  // namespace cadence::client
