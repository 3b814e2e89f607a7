#include "core/timer_map.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace cadence::core {
namespace {

TEST(TimerMap, KindNamesRoundTrip) {
    for (auto kind : {TimerKind::fire, TimerKind::retry, TimerKind::lease, TimerKind::due})
        EXPECT_EQ(parse_timer_kind(to_string(kind)), kind);
    EXPECT_EQ(parse_timer_kind("locked"), std::nullopt);
    EXPECT_EQ(parse_timer_kind(""), std::nullopt);
}

TEST(TimerMap, EarliestFirst) {
    TimerMap map;
    map.set(1, 300, TimerKind::fire);
    map.set(2, 100, TimerKind::retry);
    map.set(3, 200, TimerKind::lease);
    EXPECT_EQ(map.size(), 3u);
    EXPECT_EQ(map.earliest()->job_id, 2);
    auto due = map.pop_due(250);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].job_id, 2);
    EXPECT_EQ(due[0].kind, TimerKind::retry);
    EXPECT_EQ(due[1].job_id, 3);
    EXPECT_EQ(map.size(), 1u);
    EXPECT_EQ(map.earliest()->due_us, 300);
}

TEST(TimerMap, AtMostOneTimerPerJob) {
    TimerMap map;
    map.set(7, 500, TimerKind::fire);
    map.set(7, 100, TimerKind::due);
    map.set(7, 900, TimerKind::lease);
    EXPECT_EQ(map.size(), 1u);
    EXPECT_EQ(map.get(7)->due_us, 900);
    EXPECT_EQ(map.get(7)->kind, TimerKind::lease);
    EXPECT_TRUE(map.remove(7));
    EXPECT_FALSE(map.remove(7));
    EXPECT_FALSE(map.get(7).has_value());
    EXPECT_TRUE(map.empty());
    EXPECT_FALSE(map.earliest().has_value());
}

TEST(TimerMap, TiesAreOrderedByJobId) {
    TimerMap map;
    for (int id : {5, 3, 9, 1}) map.set(id, 100, TimerKind::fire);
    auto due = map.pop_due(100);
    ASSERT_EQ(due.size(), 4u);
    EXPECT_EQ(due[0].job_id, 1);
    EXPECT_EQ(due[3].job_id, 9);
}

TEST(TimerMap, PopDueRespectsTheLimit) {
    TimerMap map;
    for (int id = 1; id <= 10; ++id) map.set(id, id, TimerKind::fire);
    EXPECT_EQ(map.pop_due(100, 4).size(), 4u);
    EXPECT_EQ(map.earliest()->job_id, 5);
    EXPECT_TRUE(map.pop_due(4).empty());
}

TEST(TimerMap, RejectsNonPositiveIds) {
    TimerMap map;
    EXPECT_THROW(map.set(0, 1, TimerKind::fire), std::invalid_argument);
    EXPECT_THROW(map.set(-4, 1, TimerKind::fire), std::invalid_argument);
}

// Random operations against a plain std::map model.
TEST(TimerMap, AgreesWithAModelUnderRandomOperations) {
    std::mt19937_64 rng(99);
    TimerMap map;
    std::map<std::int64_t, std::pair<std::int64_t, TimerKind>> model;
    std::int64_t now = 0;
    for (int step = 0; step < 200000; ++step) {
        std::int64_t id = 1 + static_cast<std::int64_t>(rng() % 5000);
        switch (rng() % 10) {
        case 0: case 1: case 2: case 3: case 4: {
            std::int64_t due = now + static_cast<std::int64_t>(rng() % 100000);
            auto kind = static_cast<TimerKind>(rng() % 4);
            map.set(id, due, kind);
            model[id] = {due, kind};
            break;
        }
        case 5: case 6:
            ASSERT_EQ(map.remove(id), model.erase(id) == 1);
            break;
        case 7: {
            auto got = map.get(id);
            auto it = model.find(id);
            ASSERT_EQ(got.has_value(), it != model.end());
            if (got) {
                ASSERT_EQ(got->due_us, it->second.first);
                ASSERT_EQ(got->kind, it->second.second);
            }
            break;
        }
        default: {
            now += static_cast<std::int64_t>(rng() % 2000);
            auto due = map.pop_due(now);
            std::int64_t previous = INT64_MIN;
            for (const auto& t : due) {
                ASSERT_LE(t.due_us, now);
                ASSERT_GE(t.due_us, previous);
                previous = t.due_us;
                auto it = model.find(t.job_id);
                ASSERT_NE(it, model.end());
                ASSERT_EQ(it->second.first, t.due_us);
                model.erase(it);
            }
            for (const auto& [job, timer] : model) ASSERT_GT(timer.first, now) << job;
            break;
        }
        }
        ASSERT_EQ(map.size(), model.size());
    }
    std::set<std::int64_t> ids;
    for (const auto& t : map.timers()) ids.insert(t.job_id);
    EXPECT_EQ(ids.size(), model.size());
}

TEST(TimerMap, MemoryPerTimerAtAMillion) {
    TimerMap map;
    map.reserve(1000000);
    std::int64_t smallest = INT64_MAX;
    for (std::int64_t id = 1; id <= 1000000; ++id) {
        map.set(id, id * 7 % 1000003, TimerKind::fire);
        smallest = std::min(smallest, id * 7 % 1000003);
    }
    EXPECT_EQ(map.size(), 1000000u);
    EXPECT_LT(map.memory_bytes() / map.size(), 64u);
    EXPECT_EQ(map.earliest()->due_us, smallest);
    std::int64_t previous = -1;
    for (const auto& t : map.pop_due(INT64_MAX, 1000)) {
        EXPECT_GE(t.due_us, previous);
        previous = t.due_us;
    }
}

}  // namespace
}  // namespace cadence::core
