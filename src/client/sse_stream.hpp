// One Server-Sent-Events stream: the events of one job (/jobs/{id}/$stream) or of
// all visible jobs (/events, optionally one queue). It subscribes to the hub before
// reading the current state, so nothing falls between the two; replays from
// cadence.job_events after a resync or a reconnect; sends a keepalive comment every
// 15 seconds. A job stream ends after a terminal status.
//
// Each message's SSE id is where the stream is, for Last-Event-ID: a job stream's
// is the event id (one job's events commit in id order); the others' is a stream
// position (stream_position.hpp), so that a reconnection gets every later event
// exactly once whatever order ids committed in.
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
#include "client/stream_position.hpp"
#include "client/sse_message.hpp"

namespace cadence::client {

struct StreamRequest {
    std::optional<std::int64_t> job_id;         // a job stream, else every job
    std::optional<std::string> queue;           // /events?queue=
    std::optional<std::int64_t> last_event_id;  // a job stream's Last-Event-ID: replay after it
    std::optional<StreamPosition> position;     // another stream's Last-Event-ID: resume from it
    bool follow = false;                        // ?follow=true: a job stream ends only at deleted
};

class SseStream : public StatusSubscriber, public std::enable_shared_from_this<SseStream> {
public:
    SseStream(boost::asio::ip::tcp::socket socket, PgPool& pool, StatusHub& hub,
              StreamRequest request, std::chrono::seconds keepalive_period);

    // Subscribes, reads the starting point, then answers (404/503 JSON, or the stream).
    void start();

    void on_events(const std::vector<serve::EncodedEvent>& events) override;
    void on_progress(const std::vector<serve::EncodedProgress>& progress) override;
    void on_horizon(std::int64_t horizon) override;
    void on_resync() override;
    void on_shutdown() override;

private:
    using Rows = std::vector<std::vector<std::optional<std::string>>>;

    void started(PgOutcome outcome);
    void read_horizon();
    void seed_position(PgOutcome outcome);
    void replay();
    void replay_page();
    void replayed(PgOutcome outcome);
    void emit_rows(const Rows& rows);
    void emit(const serve::EncodedEvent& event);
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
    StreamPosition position_;      // every stream but a job's
    std::int64_t job_last_sent_ = 0;  // a job stream's
    std::int64_t replay_cursor_ = 0;  // the last id a replay page read
    std::int64_t pending_horizon_ = 0;  // a horizon that came while busy
    boost::asio::steady_timer keepalive_;
    std::deque<std::string> outbox_;
    std::size_t outbox_bytes_ = 0;
    bool writing_ = false;
    bool busy_ = true;            // a query is running: live events wait in pending_
    bool resync_wanted_ = false;  // a resync came while busy
    bool finishing_ = false;
    bool closed_ = false;
    std::vector<serve::EncodedEvent> pending_;
    char peer_byte_ = 0;
};

}  // namespace cadence::client
