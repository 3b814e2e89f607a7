#include "client/fan_out.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

using cadence::client::FanOut;

TEST(FanOut, EveryItemOnceOverSeveralThreads) {
    FanOut fan_out(3);
    for (std::size_t count : {1u, 5u, 255u, 256u, 1000u, 1001u}) {
        std::vector<std::atomic<int>> hits(count);
        std::mutex mutex;
        std::set<std::thread::id> threads;
        fan_out.run(count, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) hits[i]++;
            std::lock_guard lock(mutex);
            threads.insert(std::this_thread::get_id());
        });
        for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << count << " " << i;
        // Small batches stay on the calling thread; large ones use the helpers too.
        EXPECT_EQ(threads.size(), count < 256 ? 1u : 4u) << count;
    }
}

TEST(FanOut, ReturnsOnlyWhenAllIsDone) {
    FanOut fan_out(2);
    for (int round = 0; round < 200; ++round) {
        std::atomic<std::size_t> done{0};
        fan_out.run(600, [&](std::size_t begin, std::size_t end) {
            if (begin > 0) std::this_thread::yield();
            done += end - begin;
        });
        ASSERT_EQ(done.load(), 600u) << "round " << round;
    }
}

TEST(FanOut, WithoutHelpersEverythingIsInline) {
    FanOut fan_out(0);
    std::size_t seen = 0;
    fan_out.run(10000, [&](std::size_t begin, std::size_t end) { seen += end - begin; });
    EXPECT_EQ(seen, 10000u);
    EXPECT_EQ(fan_out.threads(), 0u);
}
