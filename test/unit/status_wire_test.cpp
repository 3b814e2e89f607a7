#include "core/status_wire.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>


namespace cadence::core {
namespace {

StatusEvent event(std::int64_t id, std::string queue = "default") {
    return StatusEvent{id, 1000 + id, "completed", "completed", 2, std::move(queue), "2026-11-24T10:00:00.25Z"};
}

TEST(StatusWire, OneEventCarriesTheDocumentedFieldsOnly) {
    EXPECT_EQ(encode_status_event(event(7)),
              R"({"type":"status","event_id":7,"job_id":1007,"event":"completed",)"
              R"("status":"completed","attempt":2,"queue":"default","at":"2026-11-24T10:00:00.25Z"})");
}

TEST(StatusWire, QueueNamesAreEscaped) {
    auto parsed = nlohmann::json::parse(encode_status_event(event(1, "we\"ird\\q\n")));
    EXPECT_EQ(parsed["queue"], "we\"ird\\q\n");
}

TEST(StatusWire, InvalidUtf8InAQueueNameCannotBreakTheJson) {
    auto text = encode_status_event(event(1, std::string("bad\xff")));
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object());
}

TEST(StatusWire, BatchesHoldEveryEventOnceInOrderUnderTheLimit) {
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

TEST(StatusWire, ResyncFollowsTheLastEvent) {
    auto payloads = encode_status_batches({event(1), event(2)}, true);
    ASSERT_EQ(payloads.size(), 1u);
    auto array = nlohmann::json::parse(payloads[0]);
    ASSERT_EQ(array.size(), 3u);
    EXPECT_EQ(array[2]["type"], "resync");
    EXPECT_EQ(encode_status_batches({}, true), std::vector<std::string>{R"([{"type":"resync"}])"});
    EXPECT_TRUE(encode_status_batches({}, false).empty());
}

TEST(StatusWire, ABulkChangeIsARangedResyncBeforeAFullOne) {
    auto payloads = encode_status_batches({event(1)}, true, max_payload_bytes, {{100, 5099}, {6000, 6001}});
    ASSERT_EQ(payloads.size(), 1u);
    EXPECT_EQ(payloads[0], "[" + encode_status_event(event(1)) +
                               R"(,{"type":"resync","first_event_id":100,"last_event_id":5099})"
                               R"(,{"type":"resync","first_event_id":6000,"last_event_id":6001})"
                               R"(,{"type":"resync"}])");
}

TEST(StatusWire, TheHorizonComesLastInTheLastPayload) {
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

TEST(StatusWire, SmallLimitsStillMakeProgress) {
    auto payloads = encode_status_batches({event(1), event(2), event(3)}, false, 10);
    EXPECT_EQ(payloads.size(), 3u);  // one event each, even when one alone exceeds the limit
}

TEST(StatusWire, TheEventJsonIsThePayloadMessageWithoutItsType) {
    EXPECT_EQ(status_event_json(event(7)),
              R"({"event_id":7,"job_id":1007,"event":"completed",)"
              R"("status":"completed","attempt":2,"queue":"default","at":"2026-11-24T10:00:00.25Z"})");
    EXPECT_EQ(R"({"type":"status",)" + status_event_json(event(7)).substr(1), encode_status_event(event(7)));
}

TEST(StatusWire, AnUnknownQueueIsNullAndANameComesLast) {
    auto e = event(1);
    e.queue = std::nullopt;
    EXPECT_EQ(status_event_json(e, std::string("nightly")),
              R"({"event_id":1,"job_id":1001,"event":"completed","status":"completed",)"
              R"("attempt":2,"queue":null,"at":"2026-11-24T10:00:00.25Z","name":"nightly"})");
}

TEST(StatusWire, InvalidUtf8InANameStaysValidJson) {
    auto line = status_event_json(event(1), std::string("bad\xff"));
    EXPECT_TRUE(nlohmann::json::parse(line, nullptr, false).is_object()) << line;
}

TEST(StatusWire, DecodesWhatItEncodes) {
    std::vector<StatusEvent> published = {event(812, "exports"), event(813, "q\"2\n")};
    published[1].event = "paused";
    published[1].status = "scheduled";
    published[1].attempt = 1;
    auto payloads = encode_status_batches(published, /*resync=*/true, max_payload_bytes, {{5, 9}}, 814);
    ASSERT_EQ(payloads.size(), 1u);
    auto decoded = decode_status_notification(payloads[0]);
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->events.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(decoded->events[i].event_id, published[i].event_id);
        EXPECT_EQ(decoded->events[i].job_id, published[i].job_id);
        EXPECT_EQ(decoded->events[i].event, published[i].event);
        EXPECT_EQ(decoded->events[i].status, published[i].status);
        EXPECT_EQ(decoded->events[i].attempt, published[i].attempt);
        EXPECT_EQ(decoded->events[i].queue, published[i].queue);
        EXPECT_EQ(decoded->events[i].at, published[i].at);
        // Re-encoded, it is the same text: watch, serve and the payload agree.
        EXPECT_EQ(encode_status_event(decoded->events[i]), encode_status_event(published[i]));
    }
    EXPECT_TRUE(decoded->resync);
    EXPECT_EQ(decoded->ranges, (std::vector<EventRange>{{5, 9}}));
    EXPECT_EQ(decoded->horizon, 814);
}

TEST(StatusWire, ANullQueueDecodesAsUnknown) {
    auto decoded = decode_status_notification(
        R"([{"type":"status","event_id":1,"job_id":2,"event":"deleted","status":"deleted","attempt":1,)"
        R"("queue":null,"at":"2026-11-24T10:00:00Z"}])");
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->events.size(), 1u);
    EXPECT_FALSE(decoded->events[0].queue);
}

TEST(StatusWire, ARangeItCannotReadAsksForAFullResync) {
    auto decoded = decode_status_notification(
        R"([{"type":"resync","first_event_id":100,"last_event_id":5099},{"type":"resync","first_event_id":"x"}])");
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->ranges, (std::vector<EventRange>{{100, 5099}}));
    EXPECT_TRUE(decoded->resync);
}

TEST(StatusWire, GarbageIsRefusedAndUnreadableMessagesCountAsLost) {
    EXPECT_FALSE(decode_status_notification("not json"));
    EXPECT_FALSE(decode_status_notification(R"({"type":"resync"})"));
    auto resync = decode_status_notification(R"([{"type":"resync"}])");
    ASSERT_TRUE(resync);
    EXPECT_TRUE(resync->resync);
    EXPECT_TRUE(resync->events.empty());
    auto broken = decode_status_notification(R"([{"type":"status","event_id":"seven"}])");
    ASSERT_TRUE(broken);
    EXPECT_TRUE(broken->resync);
    EXPECT_TRUE(broken->events.empty());
    // Unknown types are skipped: a newer server may add some; so is a type that
    // is not a string, or a field of the wrong kind (anyone may NOTIFY the channel).
    auto odd = decode_status_notification(R"([{"type":1},{"type":null},{"type":["status"]},{"type":"horizon","below":{}},)"
                                          R"({"type":"status","event_id":1,"job_id":2,"event":"running","status":"running",)"
                                          R"("attempt":1,"queue":5,"at":7}])");
    ASSERT_TRUE(odd);
    ASSERT_EQ(odd->events.size(), 1u);
    EXPECT_FALSE(odd->events[0].queue);
    EXPECT_EQ(odd->events[0].at, "");
    EXPECT_FALSE(odd->horizon);
    auto future = decode_status_notification(R"([{"type":"hello","x":1}, 7])");
    ASSERT_TRUE(future);
    EXPECT_FALSE(future->resync);
    EXPECT_TRUE(future->events.empty());
}

TEST(StatusWire, AHorizonThatIsNotANumberIsIgnored) {
    auto decoded = decode_status_notification(R"([{"type":"horizon","below":8},{"type":"horizon","below":6}])");
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->horizon, 8);  // the highest
    auto none = decode_status_notification(R"([{"type":"horizon","below":"8"}])");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->horizon);  // never a guess
}

TEST(StatusWire, ProgressHasItsOwnMessagesAndDecodesToWhatWasSent) {
    std::vector<ProgressUpdate> updates{{3, "exports", 40.5, "2026-11-24T10:00:00.123456Z"},
                                        {4, std::nullopt, 100, "2026-11-24T10:00:01Z"}};
    EXPECT_EQ(progress_json(updates[0]),
              R"({"job_id":3,"queue":"exports","progress":40.5,"at":"2026-11-24T10:00:00.123456Z"})");
    EXPECT_EQ(progress_json(updates[1], true),
              R"({"type":"progress","job_id":4,"queue":null,"progress":100,"at":"2026-11-24T10:00:01Z"})");
    EXPECT_EQ(progress_json({5, "q", 33.3f, "t"}), R"({"job_id":5,"queue":"q","progress":33.3,"at":"t"})")
        << "a real's digits, not its double's";
    auto payloads = encode_progress_batches(updates);
    ASSERT_EQ(payloads.size(), 1u);
    auto decoded = decode_status_notification(payloads[0]);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->progress, updates);
    EXPECT_TRUE(decoded->events.empty());
    EXPECT_FALSE(decoded->resync) << "progress is never a reason to replay";
}

TEST(StatusWire, ProgressBatchesStayUnderTheLimit) {
    std::vector<ProgressUpdate> updates;
    for (int i = 0; i < 500; ++i) updates.push_back({i, "q", i / 5.0, "2026-11-24T10:00:00Z"});
    auto payloads = encode_progress_batches(updates, 1000);
    std::size_t total = 0;
    for (const auto& p : payloads) {
        EXPECT_LE(p.size(), 1000u);
        total += decode_status_notification(p)->progress.size();
    }
    EXPECT_EQ(total, updates.size());
}

TEST(StatusWire, AMalformedProgressMessageIsDroppedWithoutAResync) {
    auto decoded = decode_status_notification(
        R"([{"type":"progress","job_id":"3","progress":1},{"type":"progress","job_id":3},)"
        R"({"type":"progress","job_id":5,"progress":7}])");
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->progress.size(), 1u);
    EXPECT_EQ(decoded->progress[0].job_id, 5);
    EXPECT_FALSE(decoded->resync);
}

}  // namespace
}  // namespace cadence::core
