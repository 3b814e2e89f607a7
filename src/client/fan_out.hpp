// Runs one piece of work over many items on several threads at once, and returns
// when all of it is done: `cadence serve` hands an event to its streams this way,
// so that a thousand sockets' sends (most of whose cost is the kernel's) are
// spread over the cores instead of queued on one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cadence::client {

class FanOut {
public:
    // `threads` helpers beside the calling thread (0: everything runs inline).
    explicit FanOut(unsigned threads);
    ~FanOut();
    FanOut(const FanOut&) = delete;
    FanOut& operator=(const FanOut&) = delete;

    // Calls work(begin, end) over [0, count) in contiguous slices, one slice per
    // thread, the calling thread taking the first; below `min_parallel` items all
    // on the calling thread. Each item is in exactly one slice. Not reentrant.
    void run(std::size_t count, const std::function<void(std::size_t, std::size_t)>& work,
             std::size_t min_parallel = 256);

    unsigned threads() const { return static_cast<unsigned>(helpers_.size()); }

private:
    void helper(unsigned index);

    std::vector<std::thread> helpers_;
    std::mutex mutex_;
    std::condition_variable start_;
    std::condition_variable done_;
    const std::function<void(std::size_t, std::size_t)>* work_ = nullptr;
    std::size_t count_ = 0;
    std::size_t slices_ = 0;
    unsigned long generation_ = 0;
    std::size_t pending_ = 0;
    bool stopping_ = false;
};

}  // namespace cadence::client
