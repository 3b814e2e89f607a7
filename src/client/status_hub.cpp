#include "client/status_hub.hpp"

#include <algorithm>
#include <thread>

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <iostream>

namespace cadence::client {

namespace asio = boost::asio;
using core::StatusNotification;

StatusHub::StatusHub(asio::io_context& io, PgPool& pool, std::string dsn)
    : io_(io),
      pool_(pool),
      dsn_(std::move(dsn)),
      retry_timer_(io),
      // One thread per core hands events to the streams (the event loop's among them).
      fan_out_(std::min(7u, std::max(1u, std::thread::hardware_concurrency()) - 1)) {}

StatusHub::~StatusHub() {
    *alive_ = false;
    socket_.reset();
    if (conn_ != nullptr) PQfinish(conn_);
}

void StatusHub::start() { connect(); }

void StatusHub::stop() {
    state_ = State::stopped;
    retry_timer_.cancel();
    socket_.reset();
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    for (const auto& s : live_subscribers()) s->on_shutdown();
    std::lock_guard lock(subscribers_mutex_);
    subscribers_.clear();
}

void StatusHub::subscribe(const std::shared_ptr<StatusSubscriber>& subscriber) {
    std::lock_guard lock(subscribers_mutex_);
    subscribers_[subscriber.get()] = subscriber;
}

void StatusHub::unsubscribe(const StatusSubscriber* subscriber) {
    std::lock_guard lock(subscribers_mutex_);
    subscribers_.erase(subscriber);
}

// Asynchronous connect (PQconnectStart/PQconnectPoll) so that a slow or absent
// server never blocks the io_context.
void StatusHub::connect() {
    if (state_ == State::stopped) return;
    conn_ = pg_connect_start(dsn_);
    if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
        lost(conn_ != nullptr ? pg_message(PQerrorMessage(conn_)) : "out of memory");
        return;
    }
    quiet_notices(conn_);
    state_ = State::connecting;
    poll_connect();
}

void StatusHub::poll_connect() {
    switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_OK: return send_listen();
    case PGRES_POLLING_READING: return watch(false, &StatusHub::poll_connect);
    case PGRES_POLLING_WRITING: return watch(true, &StatusHub::poll_connect);
    default: return lost(pg_message(PQerrorMessage(conn_)));
    }
}

// Waits until libpq's socket is readable (or writable) and calls `next`. The socket
// may change between connection attempts, so each wait uses a fresh dup of it.
void StatusHub::watch(bool for_write, void (StatusHub::*next)()) {
    int fd = dup(PQsocket(conn_));
    if (fd < 0) return lost("could not watch the connection's socket");
    socket_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    auto alive = alive_;
    socket_->async_wait(for_write ? asio::posix::stream_descriptor::wait_write
                                  : asio::posix::stream_descriptor::wait_read,
                        [this, alive, next](const boost::system::error_code& error) {
                            if (!*alive || error == asio::error::operation_aborted) return;
                            if (state_ == State::stopped) return;
                            (this->*next)();
                        });
}

void StatusHub::send_listen() {
    PQsetnonblocking(conn_, 1);
    if (!PQsendQuery(conn_, "LISTEN cadence_status")) return lost(pg_message(PQerrorMessage(conn_)));
    state_ = State::listen_sent;
    PQflush(conn_);
    wait_readable();
}

void StatusHub::wait_readable() {
    if (!socket_ || socket_->native_handle() < 0) return watch(false, &StatusHub::on_readable);
    auto alive = alive_;
    socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                        [this, alive](const boost::system::error_code& error) {
                            if (!*alive || error == asio::error::operation_aborted) return;
                            if (state_ == State::stopped) return;
                            on_readable();
                        });
}

void StatusHub::on_readable() {
    if (!PQconsumeInput(conn_)) return lost(pg_message(PQerrorMessage(conn_)));
    if (state_ == State::listen_sent) {
        if (PQisBusy(conn_)) return wait_readable();
        bool ok = true;
        std::string why;
        while (PGresult* result = PQgetResult(conn_)) {
            if (PQresultStatus(result) != PGRES_COMMAND_OK) {
                ok = false;
                why = pg_message(PQresultErrorMessage(result));
            }
            PQclear(result);
        }
        if (!ok) return lost(why);
        state_ = State::listening;
        backoff_.reset();
        std::cerr << "cadence serve: listening on channel cadence_status\n";
        check_visibility();
        // Whatever was published while we were not listening is in the log.
        if (was_connected_) resync_all();
        was_connected_ = true;
    }
    while (PGnotify* notify = PQnotifies(conn_)) {
        auto parsed = core::decode_status_notification(notify->extra);
        int sender = notify->be_pid;
        PQfreemem(notify);
        if (!parsed) {
            parsed = StatusNotification{};
            parsed->resync = true;
        }
        enqueue(Received{sender, std::move(*parsed)});
    }
    if (PQstatus(conn_) == CONNECTION_BAD) return lost(pg_message(PQerrorMessage(conn_)));
    wait_readable();
}

void StatusHub::lost(const std::string& why) {
    if (state_ == State::stopped) return;
    auto wait = backoff_.next();
    std::cerr << "cadence serve: status connection: " << (why.empty() ? "lost" : why)
              << "; retrying in " << wait.count() << " ms\n";
    socket_.reset();
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    state_ = State::idle;
    retry_timer_.expires_after(wait);
    auto alive = alive_;
    retry_timer_.async_wait([this, alive](const boost::system::error_code& error) {
        if (*alive && !error) connect();
    });
}

// A role that bypasses row security or belongs to cadence_admin sees every job, so
// its notifications need no check; any other role's are filtered with a SELECT.
void StatusHub::check_visibility() {
    auto alive = alive_;
    pool_.query(
        "SELECT r.rolsuper OR r.rolbypassrls OR pg_catalog.pg_has_role('cadence_admin', 'USAGE') "
        "FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
        {}, [this, alive](PgOutcome outcome) {
            if (!*alive) return;
            filter_ = !(outcome.ok && outcome.scalar() == std::optional<std::string>("t"));
        });
}

void StatusHub::enqueue(Received received) {
    queue_.push_back(std::move(received));
    if (!dispatching_) dispatch_next();
}

// A sender not seen yet: asks who publishes now (the publisher may have
// restarted), then takes up the queue again.
void StatusHub::learn_publisher(int sender_pid) {
    dispatching_ = true;
    auto alive = alive_;
    pool_.query("SELECT cadence.publisher_pid()", {}, [this, alive, sender_pid](PgOutcome outcome) {
        if (!*alive) return;
        dispatching_ = false;
        if (!outcome.ok) {
            // Cannot tell: the notification is dropped and the streams replay from the log.
            queue_.pop_front();
            resync_all();
        } else {
            auto pid = outcome.scalar();
            publisher_.learned(pid ? std::optional<int>(std::stoi(*pid)) : std::nullopt, sender_pid);
            if (publisher_.check(sender_pid) == PublisherCheck::Verdict::drop) {
                queue_.pop_front();
                std::cerr << "cadence serve: ignoring notifications on cadence_status from process " << sender_pid
                          << ": it is not pg_cadence's publisher ("
                          << (pid ? "process " + *pid : std::string("none runs now")) << ")\n";
            }
        }
        dispatch_next();
    });
}

void StatusHub::dispatch_next() {
    while (!queue_.empty()) {
        // Any role may NOTIFY cadence_status: only the publisher's are taken.
        switch (publisher_.check(queue_.front().sender_pid)) {
        case PublisherCheck::Verdict::accept:
            break;
        case PublisherCheck::Verdict::drop:
            queue_.pop_front();
            continue;
        case PublisherCheck::Verdict::ask:
            return learn_publisher(queue_.front().sender_pid);
        }
        int sender_pid = queue_.front().sender_pid;
        auto notification = std::move(queue_.front().notification);
        queue_.pop_front();
        if (!notification.progress.empty() && !take_progress(notification, sender_pid)) return;
        if (!notification.ranges.empty()) {
            // Another role's bulk change must not make this gateway's streams replay:
            // replay only when the role sees one of the range's events.
            deliver(notification.events);
            if (notification.resync || !filter_) {
                conclude(notification, true);
                continue;
            }
            std::string condition;
            for (const auto& [first, last] : notification.ranges)
                condition += (condition.empty() ? "" : " OR ") + std::string("id BETWEEN ") + std::to_string(first) +
                             " AND " + std::to_string(last);
            dispatching_ = true;
            auto alive = alive_;
            pool_.query("SELECT EXISTS (SELECT FROM cadence.job_events WHERE " + condition + ")", {},
                        [this, alive, notification = std::move(notification)](PgOutcome outcome) {
                            if (!*alive) return;
                            dispatching_ = false;
                            conclude(notification,
                                     !outcome.ok || outcome.scalar() != std::optional<std::string>("f"));
                            dispatch_next();
                        });
            return;
        }
        if (!filter_ || notification.events.empty()) {
            deliver(notification.events);
            conclude(notification, notification.resync);
            continue;
        }
        // Keep the events this role can read; the rest are someone else's jobs.
        std::string ids = "{";
        for (const auto& e : notification.events)
            ids += (ids.size() > 1 ? "," : "") + std::to_string(e.event_id);
        ids += "}";
        dispatching_ = true;
        auto alive = alive_;
        pool_.query(
            "SELECT id FROM cadence.job_events WHERE id = ANY($1::bigint[])", {ids},
            [this, alive, notification = std::move(notification)](PgOutcome outcome) {
                if (!*alive) return;
                dispatching_ = false;
                if (!outcome.ok) {
                    // Cannot tell which are visible: the streams replay from the log.
                    conclude(notification, true);
                } else {
                    std::vector<core::StatusEvent> visible;
                    for (const auto& e : notification.events)
                        for (const auto& row : outcome.rows)
                            if (row[0] && *row[0] == std::to_string(e.event_id)) {
                                visible.push_back(e);
                                break;
                            }
                    deliver(visible);
                    conclude(notification, notification.resync);
                }
                dispatch_next();
            });
        return;
    }
}

bool StatusHub::take_progress(core::StatusNotification& notification, int sender_pid) {
    auto progress = std::move(notification.progress);
    notification.progress.clear();
    if (!filter_) {
        deliver_progress(progress);
        return true;
    }
    // Only the jobs this role can read (the publisher never mixes progress with
    // events; whatever else came with it is handled after).
    std::string ids = "{";
    for (const auto& p : progress) ids += (ids.size() > 1 ? "," : "") + std::to_string(p.job_id);
    ids += "}";
    bool rest = !notification.events.empty() || !notification.ranges.empty() || notification.resync ||
                notification.horizon.has_value();
    if (rest) queue_.push_front(Received{sender_pid, std::move(notification)});
    dispatching_ = true;
    auto alive = alive_;
    pool_.query("SELECT id FROM cadence.jobs WHERE id = ANY($1::bigint[])", {ids},
                [this, alive, progress = std::move(progress)](PgOutcome outcome) {
                    if (!*alive) return;
                    dispatching_ = false;
                    // Unreadable: dropped; the next heartbeat's progress comes soon.
                    if (outcome.ok) {
                        std::vector<core::ProgressUpdate> visible;
                        for (const auto& p : progress)
                            for (const auto& row : outcome.rows)
                                if (row[0] && *row[0] == std::to_string(p.job_id)) {
                                    visible.push_back(p);
                                    break;
                                }
                        deliver_progress(visible);
                    }
                    dispatch_next();
                });
    return false;
}

void StatusHub::deliver_progress(const std::vector<core::ProgressUpdate>& raw) {
    if (raw.empty()) return;
    std::vector<serve::EncodedProgress> progress(raw.begin(), raw.end());
    fan_out_to_live([&](StatusSubscriber& s) { s.on_progress(progress); });
}

void StatusHub::fan_out_to_live(const std::function<void(StatusSubscriber&)>& handle) {
    auto live = live_subscribers();
    fan_out_.run(live.size(), [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) handle(*live[i]);
    });
}

// A subscriber may unsubscribe while handling: the live ones, taken first.
std::vector<std::shared_ptr<StatusSubscriber>> StatusHub::live_subscribers() const {
    std::lock_guard lock(subscribers_mutex_);
    std::vector<std::shared_ptr<StatusSubscriber>> live;
    live.reserve(subscribers_.size());
    for (const auto& [raw, weak] : subscribers_)
        if (auto s = weak.lock()) live.push_back(std::move(s));
    return live;
}

void StatusHub::deliver(const std::vector<core::StatusEvent>& raw) {
    if (raw.empty()) return;
    if (delivery_observer_) delivery_observer_(raw);
    // Each event's JSON once, not once per stream.
    std::vector<serve::EncodedEvent> events(raw.begin(), raw.end());
    fan_out_to_live([&](StatusSubscriber& s) { s.on_events(events); });
}

void StatusHub::conclude(const StatusNotification& notification, bool resync) {
    if (resync) resync_all();
    if (!notification.horizon) return;
    for (const auto& s : live_subscribers()) s->on_horizon(*notification.horizon);
}

void StatusHub::resync_all() {
    resyncs_++;
    for (const auto& s : live_subscribers()) s->on_resync();
}

}  // namespace cadence::client
