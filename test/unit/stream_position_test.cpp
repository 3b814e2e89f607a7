#include "client/stream_position.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

using cadence::client::StreamPosition;

TEST(StreamPosition, AcceptsEachIdOnceAndNothingBelowTheHorizon) {
    StreamPosition p(100);
    EXPECT_FALSE(p.accept(99));
    EXPECT_TRUE(p.accept(105));
    EXPECT_FALSE(p.accept(105));
    EXPECT_TRUE(p.handled(105));
    EXPECT_FALSE(p.handled(104));
    EXPECT_EQ(p.horizon(), 100);
    EXPECT_EQ(p.encode(), "100+105");
}

TEST(StreamPosition, IdsContiguousWithTheHorizonMoveIt) {
    StreamPosition p(100);
    EXPECT_TRUE(p.accept(101));
    EXPECT_TRUE(p.accept(103));
    EXPECT_EQ(p.encode(), "100+101,103");
    EXPECT_TRUE(p.accept(100));  // the late commit: 100..101 join the horizon
    EXPECT_EQ(p.horizon(), 102);
    EXPECT_EQ(p.encode(), "102+103");
    EXPECT_TRUE(p.accept(102));
    EXPECT_EQ(p.encode(), "104+");
}

TEST(StreamPosition, RangesMerge) {
    StreamPosition p(10);
    for (int id : {20, 22, 21, 30, 24, 23}) EXPECT_TRUE(p.accept(id));
    EXPECT_EQ(p.encode(), "10+20-24,30");
    EXPECT_EQ(p.ranges(), 2u);
}

TEST(StreamPosition, AdvanceDropsWhatItPasses) {
    StreamPosition p(10);
    for (int id : {12, 13, 20, 25}) p.accept(id);
    p.advance(13);  // 10..12 published: 13 was handled, so the horizon reaches 14
    EXPECT_EQ(p.encode(), "14+20,25");
    p.advance(5);  // never back
    EXPECT_EQ(p.horizon(), 14);
    p.advance(21);
    EXPECT_EQ(p.encode(), "21+25");
    p.advance(26);
    EXPECT_EQ(p.encode(), "26+");
}

TEST(StreamPosition, ParsesWhatItEncodes) {
    StreamPosition p(1000);
    for (int id : {1001, 1002, 1005, 1009, 1010, 1011}) p.accept(id);
    auto text = p.encode();
    EXPECT_EQ(text, "1000+1001-1002,1005,1009-1011");
    auto back = StreamPosition::parse(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->encode(), text);
    EXPECT_TRUE(back->handled(1005));
    EXPECT_FALSE(back->handled(1000));
    EXPECT_FALSE(back->handled(1006));
}

TEST(StreamPosition, APlainEventIdMeansEverythingUpToIt) {
    auto p = StreamPosition::parse("41");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->horizon(), 42);
    EXPECT_TRUE(p->handled(41));
    EXPECT_FALSE(p->handled(42));
}

TEST(StreamPosition, RefusesMalformedText) {
    for (const char* bad : {"", "+", "x", "-3", "10+9", "10+12,11", "10+12-11", "10+12,", "10+12,,13",
                            "10+12;13", "10+12-", "10 +12", "10+1-99999999999999999", "9223372036854775807"})
        EXPECT_FALSE(StreamPosition::parse(bad)) << bad;
    auto adjacent = StreamPosition::parse("10+12,13");
    ASSERT_TRUE(adjacent);
    EXPECT_EQ(adjacent->encode(), "10+12-13");
    auto absorbed = StreamPosition::parse("10+10-12,15");
    ASSERT_TRUE(absorbed);
    EXPECT_EQ(absorbed->encode(), "13+15");
}

TEST(StreamPosition, ACutEncodingRepeatsEventsButLosesNone) {
    StreamPosition p(0);
    for (int id = 1; id <= 40; id += 2) p.accept(id);  // 20 ranges
    auto cut = StreamPosition::parse(p.encode(5));
    ASSERT_TRUE(cut);
    EXPECT_EQ(cut->ranges(), 5u);
    for (int id = 0; id <= 41; ++id)
        // Nothing unhandled counts as handled.
        if (cut->handled(id)) {
            EXPECT_TRUE(p.handled(id)) << id;
        }
}

// Out-of-order commits: whatever order ids arrive in and wherever the consumer
// stops, resuming from its position yields every id exactly once.
TEST(StreamPosition, ResumingLosesAndRepeatsNothing) {
    std::mt19937 random(7);
    for (int round = 0; round < 200; ++round) {
        std::vector<int> ids(60);
        for (int i = 0; i < 60; ++i) ids[i] = i + 1;
        // Commit order: each id moves up to 8 places from its allocation order.
        for (int i = 0; i < 60; ++i) std::swap(ids[i], ids[std::min(59, i + static_cast<int>(random() % 8))]);
        std::size_t stop = random() % 61;
        StreamPosition before(1);
        std::multiset<int> got;
        std::set<int> committed;
        for (std::size_t i = 0; i < stop; ++i) {
            if (before.accept(ids[i])) got.insert(ids[i]);
            committed.insert(ids[i]);
            // Now and then the publisher's horizon: the lowest id not committed yet.
            if (random() % 2 == 0) {
                int horizon = 1;
                while (committed.count(horizon) > 0) ++horizon;
                before.advance(horizon);
            }
        }
        // The consumer's position travels as text (Last-Event-ID).
        auto resumed = StreamPosition::parse(before.encode());
        ASSERT_TRUE(resumed);
        // Replay: every committed id at or above the horizon, in id order, then live.
        for (int id = static_cast<int>(resumed->horizon()); id <= 60; ++id) {
            if (committed.count(id) > 0 && resumed->accept(id)) got.insert(id);
        }
        for (std::size_t i = stop; i < ids.size(); ++i)
            if (resumed->accept(ids[i])) got.insert(ids[i]);
        ASSERT_EQ(got.size(), 60u) << "round " << round;
        for (int id = 1; id <= 60; ++id) ASSERT_EQ(got.count(id), 1u) << "round " << round << " id " << id;
    }
}
