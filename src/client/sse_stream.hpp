// One Server-Sent-Events stream: the events of one job (/jobs/{id}/$stream) or of
// all visible jobs (/events, optionally one queue). It subscribes to the hub before
// reading the current state, so nothing falls between the two; de-duplicates by
// event id; replays from cadence.job_events after a resync or a reconnect; sends
// a keepalive comment every 15 seconds. A job stream ends after a terminal status.
#pragma once

#include <chrono>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/pg_pool.hpp"
#include "client/status_hub.hpp"
#include "core/recent_ids.hpp"
#include "core/sse_message.hpp"

namespace cadence::client {

struct StreamRequest {
    std::optional<std::int64_t> job_id;         // a job stream, else every job
    std::optional<std::string> queue;           // /events?queue=
    std::optional<std::int64_t> last_event_id;  // Last-Event-ID: replay after it
    bool follow = false;                        // ?follow=true: a job stream ends only at deleted
};

class SseStream : public StatusSubscriber, public std::enable_shared_from_this<SseStream> {
public:
    SseStream(boost::asio::ip::tcp::socket socket, PgPool& pool, StatusHub& hub,
              StreamRequest request, std::chrono::seconds keepalive_period);

    // Subscribes, reads the starting point, then answers (404/503 JSON, or the stream).
    void start();

    void on_events(const std::vector<core::serve::StreamEvent>& events) override;
    void on_resync() override;
    void on_shutdown() override;

private:
    using Rows = std::vector<std::vector<std::optional<std::string>>>;

    void started(PgOutcome outcome);
    void replay();
    void replayed(PgOutcome outcome);
    void emit_rows(const Rows& rows);
    void emit(const core::serve::StreamEvent& event);
    void drain_pending();
    void write(std::string text);
    void write_next();
    void watch_peer();
    void schedule_keepalive();
    void finish();  // close once everything queued is written
    void close();

    boost::asio::ip::tcp::socket socket_;
    std::chrono::seconds keepalive_period_;
    PgPool& pool_;
    StatusHub& hub_;
    StreamRequest request_;
    core::serve::RecentIds sent_;
    boost::asio::steady_timer keepalive_;
    std::deque<std::string> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool writing_ = false;
    bool busy_ = true;            // a query is running: live events wait in pending_
    bool resync_wanted_ = false;  // a resync came while busy
    bool finishing_ = false;
    bool closed_ = false;
    std::vector<core::serve::StreamEvent> pending_;
    char peer_byte_ = 0;
};

}  // namespace cadence::client
