// SSE messages, NOTIFY payload decoding and the recently-sent id set.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/recent_ids.hpp"
#include "core/sse_message.hpp"
#include "core/status_payload.hpp"

using namespace cadence::core::serve;

namespace {
StreamEvent sample() {
    return {812, 42, "completed", "completed", 1, "exports", "2026-11-24T03:00:04.128311Z"};
}
}  // namespace

TEST(SseMessage, HasIdEventAndOneDataLine) {
    EXPECT_EQ(sse_message(sample()),
              "id: 812\nevent: status\ndata: {\"event_id\":812,\"job_id\":42,\"event\":"
              "\"completed\",\"status\":\"completed\",\"attempt\":1,\"queue\":\"exports\","
              "\"at\":\"2026-11-24T03:00:04.128311Z\"}\n\n");
}

TEST(SseMessage, NewlinesInAQueueNameStayInsideTheDataLine) {
    auto e = sample();
    e.queue = "a\nb";
    auto text = sse_message(e);
    EXPECT_NE(text.find("\"queue\":\"a\\nb\""), std::string::npos);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(StatusNotification, DecodesWhatThePublisherEncodes) {
    cadence::core::StatusEvent published{812, 42, "completed", "completed", 1, "exports",
                                         cadence::core::parse_instant("2026-11-24T03:00:04.128311Z",
                                                                      "at")};
    auto payloads = cadence::core::encode_status_batches({published}, true);
    ASSERT_EQ(payloads.size(), 1u);
    auto decoded = parse_status_notification(payloads[0]);
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->events.size(), 1u);
    EXPECT_TRUE(decoded->resync);
    EXPECT_EQ(sse_message(decoded->events[0]), sse_message(sample()));
}

TEST(StatusNotification, ARangedResyncNamesTheIdsToRead) {
    auto decoded = parse_status_notification(
        R"([{"type":"resync","first_event_id":100,"last_event_id":5099},{"type":"resync","first_event_id":"x"}])");
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->ranges.size(), 1u);
    EXPECT_EQ(decoded->ranges[0], std::make_pair(std::int64_t{100}, std::int64_t{5099}));
    // A range it cannot read asks for a full resync.
    EXPECT_TRUE(decoded->resync);
}

TEST(StatusNotification, ResyncAloneAndGarbage) {
    auto resync = parse_status_notification(R"([{"type":"resync"}])");
    ASSERT_TRUE(resync);
    EXPECT_TRUE(resync->resync);
    EXPECT_TRUE(resync->events.empty());
    EXPECT_FALSE(parse_status_notification("not json"));
    EXPECT_FALSE(parse_status_notification(R"({"type":"resync"})"));
    // A status message missing fields counts as lost: resync.
    auto broken = parse_status_notification(R"([{"type":"status","event_id":1}])");
    ASSERT_TRUE(broken);
    EXPECT_TRUE(broken->resync);
    // Unknown types are skipped.
    auto future = parse_status_notification(R"([{"type":"hello"}])");
    ASSERT_TRUE(future);
    EXPECT_FALSE(future->resync);
}

TEST(SseMessage, TerminalStatusesEndAJobStream) {
    for (auto s : {"completed", "fatal", "canceled", "deleted"}) EXPECT_TRUE(ends_job_stream(s));
    for (auto s : {"scheduled", "running", "error"}) EXPECT_FALSE(ends_job_stream(s));
}

TEST(RecentIds, RejectsDuplicatesButAcceptsALateSmallerId) {
    RecentIds ids(100);
    EXPECT_TRUE(ids.insert(10));
    EXPECT_TRUE(ids.insert(12));
    EXPECT_FALSE(ids.insert(12));
    // 11 committed after 12: a "max id" filter would lose it.
    EXPECT_TRUE(ids.insert(11));
    EXPECT_FALSE(ids.insert(11));
    EXPECT_EQ(ids.max_sent(), 12);
}

TEST(RecentIds, EvictsTheOldestAndTreatsBelowTheFloorAsSent) {
    RecentIds ids(3);
    for (int id : {1, 2, 3, 4}) EXPECT_TRUE(ids.insert(id));
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_FALSE(ids.insert(1));  // evicted, but below the floor: still a duplicate
    EXPECT_TRUE(ids.contains(1));
    EXPECT_FALSE(ids.contains(5));
    EXPECT_EQ(ids.replay_after(), 1);  // the held ids 2..4 and anything between are re-read
}

TEST(RecentIds, RaisedFloorDropsOlderIds) {
    RecentIds ids;
    ids.raise_floor(50);
    EXPECT_FALSE(ids.insert(50));
    EXPECT_FALSE(ids.insert(7));
    EXPECT_TRUE(ids.insert(51));
    EXPECT_EQ(ids.replay_after(), 50);
    ids.raise_floor(40);  // never lowered
    EXPECT_FALSE(ids.insert(45));
}
