// The SSE framing of `cadence serve` and the rows it (and `cadence watch`) reads
// events from.
#include <gtest/gtest.h>

#include <algorithm>

#include "client/event_rows.hpp"
#include "client/sse_message.hpp"

namespace cadence::client {
namespace {

core::StatusEvent sample() {
    return {812, 42, "completed", "completed", 1, "exports", "2026-11-24T03:00:04.128311Z"};
}

TEST(SseMessage, HasIdEventAndOneDataLine) {
    EXPECT_EQ(serve::sse_message(serve::EncodedEvent(sample())),
              "id: 812\nevent: status\ndata: {\"event_id\":812,\"job_id\":42,\"event\":"
              "\"completed\",\"status\":\"completed\",\"attempt\":1,\"queue\":\"exports\","
              "\"at\":\"2026-11-24T03:00:04.128311Z\"}\n\n");
}

TEST(SseMessage, ProgressHasNoIdSoLastEventIdStaysTheLastEvents) {
    serve::EncodedProgress progress(core::ProgressUpdate{42, "exports", 40.5, "2026-11-24T03:00:02.5Z"});
    EXPECT_EQ(serve::sse_message(progress),
              "event: progress\ndata: {\"job_id\":42,\"queue\":\"exports\",\"progress\":40.5,"
              "\"at\":\"2026-11-24T03:00:02.5Z\"}\n\n");
}

TEST(SseMessage, NewlinesInAQueueNameStayInsideTheDataLine) {
    auto e = sample();
    e.queue = "a\nb";
    auto text = serve::sse_message(serve::EncodedEvent(e));
    EXPECT_NE(text.find("\"queue\":\"a\\nb\""), std::string::npos);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(SseMessage, AStreamPositionCanStandForTheId) {
    EXPECT_EQ(serve::sse_message(serve::EncodedEvent(sample()), "40+42").substr(0, 15), "id: 40+42\nevent");
}

TEST(EventRows, ARowReadsLikeThePublishedEvent) {
    // 2026-11-24T03:00:04.128311Z in microseconds since 1970.
    auto e = event_from_row({"812", "42", "completed", "completed", "1", "exports", "1795489204128311"});
    ASSERT_TRUE(e);
    EXPECT_EQ(core::status_event_json(*e), core::status_event_json(sample()));
    // Trailing zeros of the fraction are dropped, as the publisher writes them.
    e = event_from_row({"1", "2", "deleted", "deleted", "1", std::nullopt, "1795489204000000"});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at, "2026-11-24T03:00:04Z");
    EXPECT_FALSE(e->queue);  // a 0.1.0 event of a job since deleted
}

TEST(EventRows, ARowWithoutItsColumnsIsNoEvent) {
    EXPECT_FALSE(event_from_row({"812", "42"}));
    EXPECT_FALSE(event_from_row({std::nullopt, "42", "completed", "completed", "1", "q", "0"}));
}

}  // namespace
}  // namespace cadence::client
