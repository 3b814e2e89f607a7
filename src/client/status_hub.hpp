// The LISTEN side of `cadence serve`: one connection LISTENs on cadence_status,
// its socket watched by Asio, and every status event is handed to each subscribed
// stream. The connection is re-opened with backoff (100 ms doubling to 5 s) when
// lost; after that, and on a resync notice, every stream replays from the log.
#pragma once

#include <libpq-fe.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/backoff.hpp"
#include "client/fan_out.hpp"
#include "client/pg_pool.hpp"
#include "client/publisher_check.hpp"
#include "client/sse_message.hpp"

namespace cadence::client {

class StatusSubscriber {
public:
    virtual ~StatusSubscriber() = default;
    // Events in the order they were published (already filtered for visibility).
    // Called on one of the fan-out's threads (several subscribers at once, each by
    // one thread, while the event loop waits): it may write to its own socket and
    // unsubscribe, and must touch nothing shared.
    virtual void on_events(const std::vector<serve::EncodedEvent>& events) = 0;
    // Running jobs' progress (already filtered for visibility), on the same threads
    // as on_events. Not events: nothing replays them.
    virtual void on_progress(const std::vector<serve::EncodedProgress>& progress) = 0;
    // Some events may have been missed: replay from the log.
    virtual void on_resync() = 0;
    // Every event id below `horizon` has been published: it came after those
    // events (and after the resync, if one was asked for).
    virtual void on_horizon(std::int64_t horizon) = 0;
    // The gateway is shutting down.
    virtual void on_shutdown() = 0;
};

class StatusHub {
public:
    StatusHub(boost::asio::io_context& io, PgPool& pool, std::string dsn);
    ~StatusHub();

    void start();
    void stop();

    void subscribe(const std::shared_ptr<StatusSubscriber>& subscriber);
    // Called (on the event loop) with each batch of events as it is delivered.
    void set_delivery_observer(std::function<void(const std::vector<core::StatusEvent>&)> observer) {
        delivery_observer_ = std::move(observer);
    }
    void unsubscribe(const StatusSubscriber* subscriber);
    std::size_t subscribers() const {
        std::lock_guard lock(subscribers_mutex_);
        return subscribers_.size();
    }
    bool listening() const { return state_ == State::listening; }
    // Notifications dropped because another process than the publisher sent them.
    std::uint64_t forged() const { return publisher_.dropped(); }
    std::optional<int> publisher_pid() const { return publisher_.publisher(); }
    // Times the streams were told to replay from the event log.
    std::uint64_t resyncs() const { return resyncs_; }

private:
    enum class State { idle, connecting, listen_sent, listening, stopped };

    void connect();
    void poll_connect();
    void send_listen();
    void wait_readable();
    void on_readable();
    void lost(const std::string& why);
    void watch(bool for_write, void (StatusHub::*next)());
    void check_visibility();
    struct Received {
        int sender_pid;
        core::StatusNotification notification;
    };
    void enqueue(Received received);
    void learn_publisher(int sender_pid);
    void dispatch_next();
    void deliver(const std::vector<core::StatusEvent>& events);
    void deliver_progress(const std::vector<core::ProgressUpdate>& progress);
    // Takes a notification's progress off it and delivers what the role may see;
    // false when that waits for a query (dispatch goes on after it).
    bool take_progress(core::StatusNotification& notification, int sender_pid);
    std::vector<std::shared_ptr<StatusSubscriber>> live_subscribers() const;
    // Calls `handle` for each live subscriber, spread over the fan-out's threads.
    void fan_out_to_live(const std::function<void(StatusSubscriber&)>& handle);
    void resync_all();
    // Ends a notification's handling: its resync, then its horizon.
    void conclude(const core::StatusNotification& notification, bool resync);

    boost::asio::io_context& io_;
    PgPool& pool_;
    std::string dsn_;
    State state_ = State::idle;
    PGconn* conn_ = nullptr;
    std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
    boost::asio::steady_timer retry_timer_;
    Backoff backoff_;  // between attempts to connect again
    bool was_connected_ = false;
    // Guarded by subscribers_mutex_: streams leave from the fan-out's threads.
    std::map<const StatusSubscriber*, std::weak_ptr<StatusSubscriber>> subscribers_;
    mutable std::mutex subscribers_mutex_;
    FanOut fan_out_;

    // Notifications wait here while one is being filtered, so order is kept.
    std::deque<Received> queue_;
    PublisherCheck publisher_;
    std::uint64_t resyncs_ = 0;
    bool dispatching_ = false;
    bool filter_ = true;  // the role might not see every job: check each event
    std::function<void(const std::vector<core::StatusEvent>&)> delivery_observer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cadence::client
