#include "client/fan_out.hpp"

namespace cadence::client {

namespace {

// Slice `index` of `slices` over [0, count).
std::pair<std::size_t, std::size_t> slice(std::size_t count, std::size_t slices, std::size_t index) {
    return {count * index / slices, count * (index + 1) / slices};
}

}  // namespace

FanOut::FanOut(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) helpers_.emplace_back([this, i] { helper(i); });
}

FanOut::~FanOut() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    start_.notify_all();
    for (auto& t : helpers_) t.join();
}

void FanOut::run(std::size_t count, const std::function<void(std::size_t, std::size_t)>& work,
                 std::size_t min_parallel) {
    if (count == 0) return;
    if (helpers_.empty() || count < min_parallel) {
        work(0, count);
        return;
    }
    std::size_t slices = helpers_.size() + 1;
    {
        std::lock_guard lock(mutex_);
        work_ = &work;
        count_ = count;
        slices_ = slices;
        pending_ = helpers_.size();
        ++generation_;
    }
    start_.notify_all();
    auto [begin, end] = slice(count, slices, 0);
    work(begin, end);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    work_ = nullptr;
}

void FanOut::helper(unsigned index) {
    unsigned long seen = 0;
    for (;;) {
        const std::function<void(std::size_t, std::size_t)>* work;
        std::size_t count;
        std::size_t slices;
        {
            std::unique_lock lock(mutex_);
            start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_) return;
            seen = generation_;
            work = work_;
            count = count_;
            slices = slices_;
        }
        auto [begin, end] = slice(count, slices, index + 1);
        (*work)(begin, end);
        {
            std::lock_guard lock(mutex_);
            --pending_;
        }
        done_.notify_one();
    }
}

}  // namespace cadence::client
