// The pure parts of `cadence watch`: payload parsing, the output line, which
// events are printed, when a job has ended, and the reconnection waits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <vector>

#include "client/backoff.hpp"
#include "client/event_filter.hpp"
#include "client/status_message.hpp"
#include "client/watch_target.hpp"
#include "core/status_payload.hpp"
#include "test_support.hpp"

namespace cadence::client {
namespace {

WatchEvent event(std::int64_t id, std::int64_t job, std::string status = "running",
                 std::optional<std::string> queue = "default") {
    return WatchEvent{id, job, status, status, 1, std::move(queue), "2026-11-24T03:00:04.128311Z"};
}

TEST(StatusNotification, ParsesWhatThePublisherEncodes) {
    std::vector<core::StatusEvent> published = {
        {812, 42, "completed", "completed", 1, "exports", core::testing::at("2026-11-24T03:00:04.128311Z")},
        {813, 43, "paused", "scheduled", 2, "q\"2", core::testing::at("2026-11-24T03:00:05Z")}};
    auto payloads = core::encode_status_batches(published, /*resync=*/true);
    ASSERT_EQ(payloads.size(), 1u);
    auto parsed = parse_status_notification(payloads[0]);
    EXPECT_TRUE(parsed.resync);
    ASSERT_EQ(parsed.events.size(), 2u);
    EXPECT_EQ(parsed.events[0].event_id, 812);
    EXPECT_EQ(parsed.events[0].job_id, 42);
    EXPECT_EQ(parsed.events[0].event, "completed");
    EXPECT_EQ(parsed.events[0].queue, "exports");
    EXPECT_EQ(parsed.events[0].at, "2026-11-24T03:00:04.128311Z");
    EXPECT_EQ(parsed.events[1].event, "paused");
    EXPECT_EQ(parsed.events[1].status, "scheduled");
    EXPECT_EQ(parsed.events[1].attempt, 2);
    EXPECT_EQ(parsed.events[1].queue, "q\"2");
}

TEST(StatusNotification, ResyncAloneAndUnknownTypes) {
    auto parsed = parse_status_notification(R"([{"type":"resync"}])");
    EXPECT_TRUE(parsed.resync);
    EXPECT_TRUE(parsed.events.empty());
    parsed = parse_status_notification(R"([{"type":"future","x":1}])");
    EXPECT_FALSE(parsed.resync);
    EXPECT_TRUE(parsed.events.empty());
}

TEST(StatusNotification, MalformedPayloadsSayWhatIsWrongOrAskForAReplay) {
    EXPECT_THROW(parse_status_notification("not json"), PayloadError);
    EXPECT_THROW(parse_status_notification(R"({"type":"resync"})"), PayloadError);
    try {
        parse_status_notification(R"({"seven": 7})");
        FAIL() << "no exception";
    } catch (const PayloadError& e) {
        EXPECT_NE(std::string(e.what()).find("seven"), std::string::npos) << e.what();
    }
    // A message that cannot be read is treated as lost: the event log has it.
    auto broken = parse_status_notification(R"([{"type":"status","event_id":"seven"}])");
    EXPECT_TRUE(broken.resync);
    EXPECT_TRUE(broken.events.empty());
}

TEST(EventLine, HasTheDocumentedFieldsInOrder) {
    EXPECT_EQ(format_event_line(event(812, 42, "completed", "exports")),
              R"({"event_id":812,"job_id":42,"event":"completed","status":"completed",)"
              R"("attempt":1,"queue":"exports","at":"2026-11-24T03:00:04.128311Z"})");
    EXPECT_EQ(format_event_line(event(1, 2, "deleted", std::nullopt), std::string("nightly")),
              R"({"event_id":1,"job_id":2,"event":"deleted","status":"deleted",)"
              R"("attempt":1,"queue":null,"at":"2026-11-24T03:00:04.128311Z","name":"nightly"})");
}

TEST(EventLine, InvalidUtf8InANameStaysValidJson) {
    auto line = format_event_line(event(1, 2), std::string("bad\xff"));
    EXPECT_TRUE(nlohmann::json::parse(line, nullptr, false).is_object()) << line;
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

TEST(WatchTarget, MatchesJobQueueOrEverything) {
    EXPECT_TRUE(WatchTarget::for_job(1).matches(event(1, 1)));
    EXPECT_FALSE(WatchTarget::for_job(1).matches(event(1, 2)));
    EXPECT_TRUE(WatchTarget::for_queue("a").matches(event(1, 2, "running", "a")));
    EXPECT_FALSE(WatchTarget::for_queue("a").matches(event(1, 2, "running", "b")));
    EXPECT_FALSE(WatchTarget::for_queue("a").matches(event(1, 2, "deleted", std::nullopt)));
    EXPECT_TRUE(WatchTarget::everything().matches(event(1, 2, "running", std::nullopt)));
}

TEST(WatchTarget, FinalStatuses) {
    for (const char* s : {"completed", "fatal", "canceled", "deleted"}) EXPECT_TRUE(is_final_status(s)) << s;
    for (const char* s : {"scheduled", "running", "error", "paused"}) EXPECT_FALSE(is_final_status(s)) << s;
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
