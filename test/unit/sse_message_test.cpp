// SSE messages, NOTIFY payload decoding and the recently-sent id set.
#include <gtest/gtest.h>

#include <algorithm>

#include "client/sse_message.hpp"
#include "core/status_payload.hpp"

using namespace cadence::client::serve;

namespace {
StreamEvent sample() {
    return {812, 42, "completed", "completed", 1, "exports", "2026-11-24T03:00:04.128311Z", ""};
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

TEST(StatusNotification, AHorizonSaysWhatCanNoLongerArrive) {
    auto decoded = parse_status_notification(
        R"([{"type":"status","event_id":7,"job_id":1,"event":"scheduled","status":"scheduled","attempt":1,)"
        R"("queue":"q","at":"2026-11-24T10:00:00Z"},{"type":"horizon","below":8}])");
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->events.size(), 1u);
    EXPECT_EQ(decoded->horizon, 8);
    EXPECT_FALSE(decoded->resync);
    auto none = parse_status_notification(R"([{"type":"horizon","below":"8"}])");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->horizon);  // not a number: ignored, never a guess
}

TEST(SseMessage, AStreamPositionCanStandForTheId) {
    StreamEvent e{42, 7, "completed", "completed", 1, "q", "2026-11-24T10:00:00Z", ""};
    EXPECT_EQ(sse_message(e, "40+42").substr(0, 15), "id: 40+42\nevent");
    // The JSON made once for every stream is the same as made for one.
    auto once = e;
    once.json = event_json(e);
    EXPECT_EQ(sse_message(once, "40+42"), sse_message(e, "40+42"));
}

TEST(SseMessage, TerminalStatusesEndAJobStream) {
    for (auto s : {"completed", "fatal", "canceled", "deleted"}) EXPECT_TRUE(ends_job_stream(s));
    for (auto s : {"scheduled", "running", "error"}) EXPECT_FALSE(ends_job_stream(s));
}
