#include "client/watch.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/backoff.hpp"
#include "client/connection.hpp"
#include "client/event_filter.hpp"
#include "client/event_rows.hpp"
#include "client/publisher_check.hpp"
#include "client/stop_signal.hpp"
#include "client/stream_position.hpp"
#include "core/job_state.hpp"
#include "core/status_wire.hpp"

namespace cadence::client {

namespace {

constexpr const char* channel = "cadence_status";

// The DSN overrides these (PGAPPNAME does not: a watch is recognisable in
// pg_stat_activity unless the DSN names it otherwise). TCP keepalives notice a dead server within about a
// minute while we block on the socket; without them a silent network loss
// would leave watch waiting forever.
const std::vector<std::pair<std::string, std::string>> connection_defaults = {
    {"application_name", "cadence-watch"},
    {"connect_timeout", "10"},
    {"keepalives", "1"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
};

// Events from the log, with their job where it still exists: add a WHERE.
const std::string select_events = "SELECT " + std::string(event_columns) + std::string(events_from);

class ConnectionLost : public ClientError {
public:
    using ClientError::ClientError;
};

// The event in a row of a select_events query.
core::StatusEvent event_at(const Result& rows, int row) {
    std::vector<std::optional<std::string>> values;
    for (int column = 0; column < 7; ++column)
        values.push_back(rows.is_null(row, column) ? std::nullopt : std::optional(rows.value(row, column)));
    auto event = event_from_row(values);
    if (!event) throw ClientError("cadence.job_events returned a row without an event id, job or time");
    return *event;
}

// A payload, shortened for messages: it may be nearly 8000 bytes.
std::string excerpt(std::string_view payload) {
    constexpr std::size_t limit = 200;
    if (payload.size() <= limit) return std::string(payload);
    return std::string(payload.substr(0, limit)) + "...";
}

class Watcher {
public:
    Watcher(const WatchOptions& options, std::ostream& out)
        : options_(options), target_(options.target), out_(out) {}

    int run() {
        connect();
        check_server();
        subscribe();
        start();
        while (!finished_ && !stop_.requested()) {
            try {
                follow();
            } catch (const ConnectionLost& e) {
                std::cerr << "cadence watch: connection lost: " << e.what() << '\n';
                if (!reconnect()) break;
            }
        }
        return 0;
    }

private:
    void connect() { conn_ = std::make_unique<Connection>(options_.dsn, connection_defaults); }

    Result query(const std::string& sql, std::initializer_list<std::string> params = {}) {
        try {
            return conn_->query(sql, params);
        } catch (const ClientError& e) {
            if (conn_->broken()) throw ConnectionLost(e.what());
            throw;
        }
    }

    // Fails early where no notification would ever come. Nothing here needs more
    // than an ordinary role has (cadence.database_name itself is superuser-only).
    void check_server() {
        auto rows = query(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cadence'), "
            "current_database(), current_setting('cadence.publish_status', true)");
        std::string database = rows.value(0, 1);
        if (rows.value(0, 0) != "t")
            throw ClientError("pg_cadence is not installed in database \"" + database +
                              "\" (run CREATE EXTENSION pg_cadence there)");
        std::string service = query("SELECT cadence.service()").value(0, 0);
        if (service == "not preloaded")
            throw ClientError(
                "the server does not preload pg_cadence (add it to shared_preload_libraries), "
                "so no status changes are published to watch");
        if (service == "not listed")
            throw ClientError("pg_cadence does not serve database \"" + database +
                              "\": cadence.database_name lists the databases it serves; connect to one of them");
        if (!rows.is_null(0, 2) && rows.value(0, 2) == "off")
            std::cerr << "cadence watch: warning: cadence.publish_status is off on this server; "
                         "changes will not be seen until it is turned on\n";
    }

    // LISTEN comes before any read, so nothing committed in between is lost.
    void subscribe() { query(std::string("LISTEN ") + channel); }

    // The state the stream starts from.
    void start() {
        if (target_.kind == WatchTarget::Kind::job) {
            start_job();
            return;
        }
        // Streams of many jobs print changes from now on. The position starts at the
        // status horizon; what committed at or above it before the next statement's
        // snapshot counts as seen (docs/status-positions.md).
        position_ = StreamPosition(std::stoll(query("SELECT cadence.status_horizon()").value(0, 0)));
        auto rows = query("SELECT e.id, e.job_id FROM cadence.job_events e WHERE e.id >= $1",
                          {std::to_string(position_.horizon())});
        for (int r = 0; r < rows.rows(); ++r) {
            position_.accept(std::stoll(rows.value(r, 0)));
            filter_.seed(std::stoll(rows.value(r, 1)), std::stoll(rows.value(r, 0)));
        }
    }

    void start_job() {
        std::string id = std::to_string(target_.job_id);
        auto rows = query(std::string("SELECT ") + event_columns +
                              ", j.name FROM cadence.jobs j "
                              "JOIN cadence.jobs_status s ON s.job_id = j.id "
                              "JOIN cadence.job_events e ON e.id = s.event_id WHERE j.id = $1",
                          {id});
        if (rows.rows() == 1) {
            auto current = event_at(rows, 0);
            filter_.admit(current);
            print(current, rows.value(0, 7));
            return;
        }
        // Deleted already: its final event is still in the log.
        auto last = query(select_events + " WHERE e.job_id = $1 ORDER BY e.id DESC LIMIT 1", {id});
        if (last.rows() == 1 && last.value(0, 3) == "deleted") {
            auto deleted = event_at(last, 0);
            filter_.admit(deleted);
            print(deleted, std::nullopt);
            return;
        }
        throw ClientError("job " + id +
                          " does not exist, or is not yours (a role sees its own jobs, those of "
                          "roles it is a member of, and cadence_admin sees all)");
    }

    // A bulk change's events (ids first..last), read from the log: those of jobs
    // this role cannot see are not there, so another role's bulk change costs one
    // query that finds nothing.
    void replay_range(std::int64_t first, std::int64_t last) {
        auto rows = query(select_events + " WHERE e.id BETWEEN $1 AND $2 ORDER BY e.id",
                          {std::to_string(first), std::to_string(last)});
        for (int r = 0; r < rows.rows() && !finished_; ++r) handle(event_at(rows, r));
    }

    // Reads from the event log what notifications may not have brought; returns
    // how many events it printed.
    int replay() {
        std::optional<Result> rows;
        const std::string& select = select_events;
        switch (target_.kind) {
        case WatchTarget::Kind::job:
            rows = query(select + " WHERE e.job_id = $1 AND e.id > $2 ORDER BY e.id",
                         {std::to_string(target_.job_id),
                          std::to_string(filter_.last_event(target_.job_id).value_or(0))});
            break;
        case WatchTarget::Kind::queue:
            // A deleted job has no queue left to compare: its rows come back and
            // are matched with the queue its earlier events were seen in.
            rows = query(select + " WHERE e.id >= $1 AND (coalesce(e.queue, j.queue) = $2 OR"
                                  " (e.queue IS NULL AND j.id IS NULL)) ORDER BY e.id",
                         {std::to_string(position_.horizon()), target_.queue});
            break;
        case WatchTarget::Kind::all:
            rows = query(select + " WHERE e.id >= $1 ORDER BY e.id", {std::to_string(position_.horizon())});
            break;
        }
        int printed = 0;
        for (int r = 0; r < rows->rows() && !finished_; ++r)
            printed += handle(event_at(*rows, r)) ? 1 : 0;
        return printed;
    }

    // Blocks on the server socket and the stop signal, never polling by time.
    void follow() {
        while (!finished_) {
            while (auto notification = conn_->next_notification()) {
                handle_notification(*notification);
                if (finished_) return;
            }
            pollfd fds[2] = {{conn_->socket(), POLLIN, 0}, {stop_.fd(), POLLIN, 0}};
            if (fds[0].fd < 0) throw ConnectionLost(conn_->error_message());
            if (poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                throw ClientError(std::string("poll() failed: ") + std::strerror(errno));
            }
            if (fds[1].revents != 0) return;
            if (!conn_->consume_input() || conn_->broken())
                throw ConnectionLost(conn_->error_message());
        }
    }

    // Whether the notification comes from the publisher: any role may NOTIFY the
    // channel, and a forged status or resync must change nothing.
    bool from_publisher(const Notification& notification) {
        using Verdict = PublisherCheck::Verdict;
        Verdict verdict = publisher_.check(notification.sender_pid);
        if (verdict == Verdict::ask) {
            auto rows = query("SELECT cadence.publisher_pid()");
            std::optional<int> pid;
            if (!rows.is_null(0, 0)) pid = std::stoi(rows.value(0, 0));
            publisher_.learned(pid, notification.sender_pid);
            verdict = publisher_.check(notification.sender_pid);
            if (verdict == Verdict::drop)
                std::cerr << "cadence watch: ignoring notifications on " << channel << " from process "
                          << notification.sender_pid << ": it is not pg_cadence's publisher ("
                          << (pid ? "process " + std::to_string(*pid) : std::string("none runs now"))
                          << ")\n";
        }
        return verdict == Verdict::accept;
    }

    void handle_notification(const Notification& notification) {
        if (notification.channel != channel) return;
        if (!from_publisher(notification)) return;
        auto decoded = core::decode_status_notification(notification.payload);
        if (!decoded) {
            // Whatever it held is in the event log.
            std::cerr << "cadence watch: ignoring a " << channel << " notification whose payload is not a JSON array: "
                      << excerpt(notification.payload) << "; replaying from cadence.job_events\n";
            replay();
            return;
        }
        auto& message = *decoded;
        // Progress is not an event: printed as it comes, never replayed.
        for (const auto& update : message.progress)
            if (!finished_ && target_.matches(update)) out_ << core::progress_json(update, true) << '\n' << std::flush;
        for (auto& event : message.events) {
            if (finished_) return;
            handle(std::move(event));
        }
        for (const auto& [first, last] : message.ranges)
            if (!finished_ && !message.resync) replay_range(first, last);
        if (message.resync && !finished_) replay();
        // After the replay: what the horizon passes was printed, or is not ours.
        if (message.horizon) position_.advance(*message.horizon);
    }

    // Prints the event if it is watched and new; says whether it did.
    bool handle(core::StatusEvent event) {
        // Each event once, whatever order ids committed in (a job stream has its
        // job's order, which the filter keeps).
        if (target_.kind != WatchTarget::Kind::job && !position_.accept(event.event_id)) return false;
        if (!event.queue) event.queue = filter_.known_queue(event.job_id);
        if (!target_.matches(event) || !filter_.admit(event)) return false;
        print(event, std::nullopt);
        return true;
    }

    // Prints an event the filter admitted.
    void print(const core::StatusEvent& event, const std::optional<std::string>& name) {
        out_ << core::status_event_json(event, name) << '\n' << std::flush;
        if (target_.kind == WatchTarget::Kind::job && core::ends_job_stream(event.status) &&
            (!options_.follow || event.status == core::deleted_status))
            finished_ = true;
    }

    // Connects again, re-subscribes and replays what was missed; false when
    // stopped by a signal meanwhile.
    bool reconnect() {
        conn_.reset();
        for (;;) {
            auto wait = backoff_.next();
            std::cerr << "cadence watch: reconnecting in " << wait.count() << " ms\n";
            pollfd stop{stop_.fd(), POLLIN, 0};
            if (poll(&stop, 1, static_cast<int>(wait.count())) > 0) return false;
            try {
                connect();
                subscribe();
                int missed = replay();
                backoff_.reset();
                std::cerr << "cadence watch: reconnected; " << missed
                          << " missed events replayed from cadence.job_events\n";
                return true;
            } catch (const ClientError& e) {
                std::cerr << "cadence watch: " << e.what() << '\n';
                conn_.reset();
            }
        }
    }

    const WatchOptions& options_;
    const WatchTarget target_;
    std::ostream& out_;
    StopSignal stop_;
    std::unique_ptr<Connection> conn_;
    EventFilter filter_;
    StreamPosition position_;
    PublisherCheck publisher_;
    Backoff backoff_;
    bool finished_ = false;
};

}  // namespace

int watch(const WatchOptions& options, std::ostream& out) { return Watcher(options, out).run(); }

}  // namespace cadence::client
