// The pure parts of `cadence watch`: which events are printed, what is watched,
// and the reconnection waits.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "client/backoff.hpp"
#include "client/event_filter.hpp"
#include "client/watch_target.hpp"
#include "core/status_wire.hpp"

namespace cadence::client {
namespace {

core::StatusEvent event(std::int64_t id, std::int64_t job, std::string status = "running",
                        std::optional<std::string> queue = "default") {
    return core::StatusEvent{id, job, status, status, 1, std::move(queue), "2026-11-24T03:00:04.128311Z"};
}

TEST(EventFilter, PrintsEachEventIdOnce) {
    EventFilter filter;
    EXPECT_TRUE(filter.admit(event(5, 1)));
    EXPECT_FALSE(filter.admit(event(5, 1)));
    EXPECT_TRUE(filter.admit(event(6, 1)));
    EXPECT_FALSE(filter.admit(event(5, 1)));
}

TEST(EventFilter, NeverPrintsAnOlderEventOfTheSameJob) {
    EventFilter filter;
    EXPECT_TRUE(filter.admit(event(10, 1)));
    EXPECT_FALSE(filter.admit(event(9, 1)));
    EXPECT_EQ(filter.last_event(1), 10);
}

TEST(EventFilter, OtherJobsMayCommitSmallerIdsLater) {
    // Ids are allocated before commit: job 2's event 7 may arrive after job 1's 10.
    EventFilter filter;
    EXPECT_TRUE(filter.admit(event(10, 1)));
    EXPECT_TRUE(filter.admit(event(7, 2)));
    EXPECT_EQ(filter.last_event(2), 7);
}

TEST(EventFilter, SeededEventsAreNotPrinted) {
    EventFilter filter;
    filter.seed(3, 20);
    EXPECT_FALSE(filter.admit(event(20, 3)));
    EXPECT_FALSE(filter.admit(event(19, 3)));
    EXPECT_TRUE(filter.admit(event(21, 3)));
    EXPECT_EQ(filter.last_event(3), 21);
    EXPECT_FALSE(filter.last_event(4).has_value());
}

TEST(EventFilter, RemembersTheQueueOfEachJob) {
    EventFilter filter;
    filter.admit(event(1, 1, "scheduled", "exports"));
    filter.admit(event(2, 1, "deleted", std::nullopt));
    EXPECT_EQ(filter.known_queue(1), "exports");
    EXPECT_FALSE(filter.known_queue(2).has_value());
}

TEST(WatchTarget, MatchesProgressByJobAndQueueToo) {
    core::ProgressUpdate p{7, "a", 50, "2026-11-24T03:00:00Z"};
    EXPECT_TRUE(WatchTarget::for_job(7).matches(p));
    EXPECT_FALSE(WatchTarget::for_job(8).matches(p));
    EXPECT_TRUE(WatchTarget::for_queue("a").matches(p));
    EXPECT_FALSE(WatchTarget::for_queue("b").matches(p));
    p.queue.reset();
    EXPECT_FALSE(WatchTarget::for_queue("a").matches(p));
    EXPECT_TRUE(WatchTarget::everything().matches(p));
}

TEST(WatchTarget, MatchesJobQueueOrEverything) {
    EXPECT_TRUE(WatchTarget::for_job(1).matches(event(1, 1)));
    EXPECT_FALSE(WatchTarget::for_job(1).matches(event(1, 2)));
    EXPECT_TRUE(WatchTarget::for_queue("a").matches(event(1, 2, "running", "a")));
    EXPECT_FALSE(WatchTarget::for_queue("a").matches(event(1, 2, "running", "b")));
    EXPECT_FALSE(WatchTarget::for_queue("a").matches(event(1, 2, "deleted", std::nullopt)));
    EXPECT_TRUE(WatchTarget::everything().matches(event(1, 2, "running", std::nullopt)));
}

TEST(Backoff, DoublesFrom100MsTo5SecondsAndResets) {
    using std::chrono::milliseconds;
    Backoff backoff;
    std::vector<long> waits;
    for (int i = 0; i < 9; ++i) waits.push_back(static_cast<long>(backoff.next().count()));
    EXPECT_EQ(waits, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}));
    backoff.reset();
    EXPECT_EQ(backoff.next(), milliseconds(100));
}

}  // namespace
}  // namespace cadence::client
