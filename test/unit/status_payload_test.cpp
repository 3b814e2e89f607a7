#include "core/status_payload.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace cadence::core {
namespace {

StatusEvent event(std::int64_t id, std::string queue = "default") {
    return StatusEvent{id, 1000 + id, "completed", "completed", 2, std::move(queue),
                       testing::at("2026-11-24T10:00:00.25Z")};
}

TEST(StatusPayload, OneEventCarriesTheDocumentedFieldsOnly) {
    EXPECT_EQ(encode_status_event(event(7)),
              R"({"type":"status","event_id":7,"job_id":1007,"event":"completed",)"
              R"("status":"completed","attempt":2,"queue":"default","at":"2026-11-24T10:00:00.25Z"})");
}

TEST(StatusPayload, QueueNamesAreEscaped) {
    auto parsed = nlohmann::json::parse(encode_status_event(event(1, "we\"ird\\q\n")));
    EXPECT_EQ(parsed["queue"], "we\"ird\\q\n");
}

TEST(StatusPayload, InvalidUtf8InAQueueNameCannotBreakTheJson) {
    auto text = encode_status_event(event(1, std::string("bad\xff")));
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object());
}

TEST(StatusPayload, BatchesHoldEveryEventOnceInOrderUnderTheLimit) {
    std::vector<StatusEvent> events;
    for (int i = 1; i <= 500; ++i) events.push_back(event(i, std::string(i % 60, 'q')));
    auto payloads = encode_status_batches(events, false);
    EXPECT_GT(payloads.size(), 1u);
    std::int64_t expected = 1;
    for (const auto& payload : payloads) {
        EXPECT_LT(payload.size(), max_payload_bytes + 1);
        auto array = nlohmann::json::parse(payload);
        ASSERT_TRUE(array.is_array());
        for (const auto& message : array) EXPECT_EQ(message["event_id"], expected++);
    }
    EXPECT_EQ(expected, 501);
}

TEST(StatusPayload, ResyncFollowsTheLastEvent) {
    auto payloads = encode_status_batches({event(1), event(2)}, true);
    ASSERT_EQ(payloads.size(), 1u);
    auto array = nlohmann::json::parse(payloads[0]);
    ASSERT_EQ(array.size(), 3u);
    EXPECT_EQ(array[2]["type"], "resync");
    EXPECT_EQ(encode_status_batches({}, true), std::vector<std::string>{R"([{"type":"resync"}])"});
    EXPECT_TRUE(encode_status_batches({}, false).empty());
}

TEST(StatusPayload, ABulkChangeIsARangedResyncBeforeAFullOne) {
    auto payloads = encode_status_batches({event(1)}, true, max_payload_bytes, {{100, 5099}, {6000, 6001}});
    ASSERT_EQ(payloads.size(), 1u);
    EXPECT_EQ(payloads[0], "[" + encode_status_event(event(1)) +
                               R"(,{"type":"resync","first_event_id":100,"last_event_id":5099})"
                               R"(,{"type":"resync","first_event_id":6000,"last_event_id":6001})"
                               R"(,{"type":"resync"}])");
}

TEST(StatusPayload, TheHorizonComesLastInTheLastPayload) {
    auto payloads = encode_status_batches({event(1), event(2), event(3)}, true, 10, {}, 4);
    ASSERT_EQ(payloads.size(), 5u);  // one message each at this size
    EXPECT_EQ(payloads[3], R"([{"type":"resync"}])");
    EXPECT_EQ(payloads[4], R"([{"type":"horizon","below":4}])");
    payloads = encode_status_batches({event(1)}, true, max_payload_bytes, {}, 4);
    ASSERT_EQ(payloads.size(), 1u);
    EXPECT_EQ(payloads[0], "[" + encode_status_event(event(1)) + R"(,{"type":"resync"},{"type":"horizon","below":4}])");
    EXPECT_EQ(encode_status_batches({}, false, max_payload_bytes, {}, 9),
              std::vector<std::string>{R"([{"type":"horizon","below":9}])"});
    // No horizon (0): none is written.
    EXPECT_EQ(encode_status_batches({event(1)}, false, max_payload_bytes, {}, 0).back().find("horizon"),
              std::string::npos);
}

TEST(StatusPayload, SmallLimitsStillMakeProgress) {
    auto payloads = encode_status_batches({event(1), event(2), event(3)}, false, 10);
    EXPECT_EQ(payloads.size(), 3u);  // one event each, even when one alone exceeds the limit
}

}  // namespace
}  // namespace cadence::core
