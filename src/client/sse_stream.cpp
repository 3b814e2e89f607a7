#include "client/sse_stream.hpp"

#include <boost/asio/write.hpp>
#include <algorithm>
#include <chrono>

#include "client/event_rows.hpp"
#include "client/serve_http.hpp"
#include "core/job_state.hpp"

namespace cadence::client {

namespace asio = boost::asio;
using serve::EncodedEvent;

namespace {

// A client that reads slower than this much backlog is dropped (it can resume
// with Last-Event-ID).
constexpr std::size_t max_backlog_bytes = 4 << 20;
// Replays read the log in pages of this many events.
constexpr int replay_page_rows = 5000;

std::string json_response(int status, const std::string& reason, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

SseStream::SseStream(asio::ip::tcp::socket socket, PgPool& pool, StatusHub& hub,
                     StreamRequest request, std::chrono::seconds keepalive_period)
    : socket_(std::move(socket)),
      keepalive_period_(keepalive_period),
      pool_(pool),
      hub_(hub),
      request_(std::move(request)),
      keepalive_(socket_.get_executor()) {}

void SseStream::start() {
    // Writes are tried at once (see write); set once here, as it costs a system call.
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // Subscribe first: events published while the state is read wait in pending_.
    hub_.subscribe(shared_from_this());
    auto self = shared_from_this();
    auto done = [self](PgOutcome outcome) { self->started(std::move(outcome)); };
    std::string columns(event_columns);
    if (request_.job_id && !request_.last_event_id) {
        // The job's current state, as the event that set it.
        pool_.query("SELECT " + columns +
                    " FROM cadence.jobs_status s JOIN cadence.jobs j ON j.id = s.job_id "
                    "JOIN cadence.job_events e ON e.id = s.event_id WHERE s.job_id = $1",
                    {std::to_string(*request_.job_id)}, done);
    } else if (request_.job_id) {
        // Does the job exist (or did it: its events are still in the log), what is
        // its status, and is there anything after the client's last event?
        pool_.query("SELECT EXISTS (SELECT FROM cadence.jobs_status WHERE job_id = $1) OR "
                    "EXISTS (SELECT FROM cadence.job_events WHERE job_id = $1), "
                    "coalesce((SELECT status FROM cadence.jobs_status WHERE job_id = $1), "
                    "'deleted'), "
                    "EXISTS (SELECT FROM cadence.job_events WHERE job_id = $1 AND id > $2)",
                    {std::to_string(*request_.job_id), std::to_string(*request_.last_event_id)},
                    done);
    } else if (!request_.position) {
        read_horizon();
    } else {
        pool_.query("SELECT true", {}, done);
    }
}

// Live from now: the position starts at the status horizon, and what the next
// statement's snapshot holds at or above it counts as sent (docs/status-positions.md).
void SseStream::read_horizon() {
    auto self = shared_from_this();
    pool_.query("SELECT cadence.status_horizon()", {}, [self](PgOutcome outcome) {
        if (self->closed_) return;
        if (!outcome.ok || !outcome.scalar()) return self->started(std::move(outcome));
        self->position_ = StreamPosition(std::stoll(*outcome.scalar()));
        self->pool_.query("SELECT id FROM cadence.job_events WHERE id >= $1",
                          {std::to_string(self->position_.horizon())},
                          [self](PgOutcome ids) { self->seed_position(std::move(ids)); });
    });
}

void SseStream::seed_position(PgOutcome outcome) {
    if (closed_) return;
    if (outcome.ok)
        for (const auto& row : outcome.rows)
            if (row.size() == 1 && row[0]) position_.accept(std::stoll(*row[0]));
    started(std::move(outcome));
}

void SseStream::started(PgOutcome outcome) {
    if (closed_) return;
    if (!outcome.ok) {
        int status = serve::http_status_for_sqlstate(
            outcome.connection_failed ? "" : outcome.sqlstate);
        write(json_response(status, status == 503 ? "Service Unavailable" : "Error",
                            serve::error_body(outcome.message)));
        return finish();
    }
    bool found = true;
    if (request_.job_id && !request_.last_event_id) found = !outcome.rows.empty();
    else if (request_.job_id) found = outcome.scalar() == std::optional<std::string>("t");
    if (found && request_.job_id && request_.last_event_id &&
        core::ends_job_stream(outcome.rows[0][1].value_or("")) &&
        (!request_.follow || outcome.rows[0][1] == std::optional<std::string>("deleted")) &&
        outcome.rows[0][2] == std::optional<std::string>("f")) {
        // The client saw the end already. 204 tells an EventSource not to reconnect.
        write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        return finish();
    }
    if (!found) {
        write(json_response(404, "Not Found",
                            serve::error_body("job " + std::to_string(*request_.job_id) +
                                                    " does not exist")));
        return finish();
    }
    write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
          "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n: connected\n\n");
    watch_peer();
    schedule_keepalive();
    if (request_.last_event_id) {
        job_last_sent_ = *request_.last_event_id;
        return replay();
    }
    if (request_.position) {
        position_ = *request_.position;
        return replay();
    }
    if (request_.job_id) emit_rows(outcome.rows);
    drain_pending();
}

// Reads the log from where the stream is, in id order, in pages.
void SseStream::replay() {
    replay_cursor_ = request_.job_id ? job_last_sent_ : position_.horizon() - 1;
    replay_page();
}

void SseStream::replay_page() {
    busy_ = true;
    std::string sql = "SELECT " + std::string(event_columns) + std::string(events_from) + " WHERE e.id > $1";
    std::vector<std::optional<std::string>> params{std::to_string(replay_cursor_)};
    if (request_.job_id) {
        sql += " AND e.job_id = $2";
        params.push_back(std::to_string(*request_.job_id));
    } else if (request_.queue) {
        // The event's own queue (that of a deleted job's last events too), as published.
        sql += " AND coalesce(e.queue, j.queue) = $2";
        params.push_back(*request_.queue);
    }
    sql += " ORDER BY e.id LIMIT " + std::to_string(replay_page_rows);
    auto self = shared_from_this();
    pool_.query(sql, params, [self](PgOutcome outcome) { self->replayed(std::move(outcome)); });
}

void SseStream::replayed(PgOutcome outcome) {
    if (closed_) return;
    if (!outcome.ok) {
        // The database is away; the hub resyncs us when the LISTEN connection is back.
        resync_wanted_ = false;
        busy_ = false;
        return drain_pending();
    }
    emit_rows(outcome.rows);
    if (finishing_) return;
    if (static_cast<int>(outcome.rows.size()) == replay_page_rows) {
        // More to read: continue after the last row of this page.
        if (auto last = event_from_row(outcome.rows.back())) replay_cursor_ = last->event_id;
        return replay_page();
    }
    drain_pending();
}

void SseStream::emit_rows(const Rows& rows) {
    for (const auto& row : rows)
        if (auto e = event_from_row(row)) emit(EncodedEvent(std::move(*e)));
}

void SseStream::emit(const EncodedEvent& encoded) {
    const core::StatusEvent& e = encoded.event;
    if (finishing_ || closed_) return;
    if (request_.job_id) {
        // One job's events commit, and are published, in id order: older ones are duplicates.
        if (e.job_id != *request_.job_id || e.event_id <= job_last_sent_) return;
        job_last_sent_ = e.event_id;
        write(serve::sse_message(encoded));
        if (core::ends_job_stream(e.status) && (!request_.follow || e.status == core::deleted_status)) finish();
        return;
    }
    // Another queue's events count as handled too: a replay would skip them anyway.
    if (!position_.accept(e.event_id)) return;
    if (request_.queue && e.queue != *request_.queue) return;
    write(serve::sse_message(encoded, position_.encode()));
}

void SseStream::drain_pending() {
    busy_ = false;
    auto pending = std::move(pending_);
    pending_.clear();
    for (const auto& e : pending) emit(e);
    if (resync_wanted_ && !finishing_ && !closed_) {
        // The replay reads from the position before the horizon that came meanwhile.
        resync_wanted_ = false;
        return replay();
    }
    if (pending_horizon_ > 0) {
        position_.advance(pending_horizon_);
        pending_horizon_ = 0;
    }
}

void SseStream::on_horizon(std::int64_t horizon) {
    if (request_.job_id) return;
    if (busy_) {
        pending_horizon_ = std::max(pending_horizon_, horizon);
        return;
    }
    position_.advance(horizon);
}

void SseStream::on_events(const std::vector<EncodedEvent>& events) {
    if (busy_) {
        pending_.insert(pending_.end(), events.begin(), events.end());
        return;
    }
    for (const auto& e : events) emit(e);
}

void SseStream::on_progress(const std::vector<serve::EncodedProgress>& progress) {
    // While a replay is read, progress is dropped: it would come before the events
    // that precede it, and the next heartbeat's comes soon.
    if (busy_ || finishing_ || closed_) return;
    for (const auto& p : progress) {
        if (request_.job_id ? p.update.job_id != *request_.job_id
                            : request_.queue && p.update.queue != *request_.queue)
            continue;
        write(serve::sse_message(p));
    }
}

void SseStream::on_resync() {
    if (finishing_ || closed_) return;
    if (busy_) {
        resync_wanted_ = true;
        return;
    }
    replay();
}

void SseStream::on_shutdown() { close(); }

void SseStream::write(std::string text) {
    if (closed_) return;
    if (!writing_) {
        // Most writes fit the socket's buffer at once: send them now, without a
        // round through the event loop (one fan-out touches every stream).
        boost::system::error_code error;
        std::size_t sent = socket_.write_some(asio::buffer(text), error);
        if (error && error != asio::error::would_block && error != asio::error::try_again)
            return close();
        if (sent == text.size()) {
            if (finishing_) close();
            return;
        }
        text.erase(0, sent);
    }
    outbox_bytes_ += text.size();
    outbox_.push_back(std::move(text));
    if (outbox_bytes_ > max_backlog_bytes) return close();
    if (!writing_) write_next();
}

void SseStream::write_next() {
    if (outbox_.empty()) {
        writing_ = false;
        if (finishing_) close();
        return;
    }
    writing_ = true;
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [self](const boost::system::error_code& error, std::size_t) {
                          if (self->closed_) return;
                          if (error) return self->close();
                          self->outbox_bytes_ -= self->outbox_.front().size();
                          self->outbox_.pop_front();
                          self->write_next();
                      });
}

// An EventSource sends nothing after its request: a read completes only when the
// peer goes away, which is how a closed tab frees its stream at once.
void SseStream::watch_peer() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(&peer_byte_, 1),
                            [self](const boost::system::error_code& error, std::size_t) {
                                if (self->closed_) return;
                                if (error) return self->close();
                                self->watch_peer();
                            });
}

void SseStream::schedule_keepalive() {
    keepalive_.expires_after(keepalive_period_);
    auto self = shared_from_this();
    keepalive_.async_wait([self](const boost::system::error_code& error) {
        if (error || self->closed_ || self->finishing_) return;
        self->write(std::string(serve::sse_keepalive));
        self->schedule_keepalive();
    });
}

void SseStream::finish() {
    finishing_ = true;
    hub_.unsubscribe(this);
    if (!writing_ && outbox_.empty()) close();
}

void SseStream::close() {
    if (closed_) return;
    closed_ = true;
    hub_.unsubscribe(this);
    keepalive_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

}  // namespace cadence::client
