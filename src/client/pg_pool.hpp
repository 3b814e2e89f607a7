// A few libpq connections for the gateway's queries, each owned by a worker
// thread; results are posted back to the io_context, which never blocks on the
// database. A connection that is down is retried with backoff (100 ms doubling to
// 5 s); meanwhile queries fail at once with a connection error (HTTP 503).
#pragma once

#include <libpq-fe.h>

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cadence::client {

// What a query (or several, in one task) came to.
struct PgOutcome {
    bool ok = true;
    bool connection_failed = false;  // the server could not be reached: HTTP 503
    std::string sqlstate;
    std::string message;
    std::vector<std::vector<std::optional<std::string>>> rows;

    static PgOutcome failure(std::string sqlstate, std::string message, bool connection) {
        PgOutcome out;
        out.ok = false;
        out.sqlstate = std::move(sqlstate);
        out.message = std::move(message);
        out.connection_failed = connection;
        return out;
    }
    // The first column of the first row, or nullopt.
    std::optional<std::string> scalar() const {
        if (rows.empty() || rows[0].empty()) return std::nullopt;
        return rows[0][0];
    }
};

// Runs one statement with text parameters (nullopt is NULL) on a worker's connection.
PgOutcome pg_query(PGconn* conn, const std::string& sql,
                   const std::vector<std::optional<std::string>>& params = {});

// Opens a connection to `dsn` with application_name defaulting to cadence-serve and
// a 5-second connect timeout (both overridable in the DSN). Blocking: workers only.
PGconn* pg_connect_blocking(const std::string& dsn);
// The same connection, started without blocking (PQconnectStartParams).
PGconn* pg_connect_start(const std::string& dsn);

// Drops the server's notices instead of printing them.
void quiet_notices(PGconn* conn);

// libpq's message without its trailing newline.
std::string pg_message(const char* text);

class PgPool {
public:
    using Task = std::function<PgOutcome(PGconn*)>;
    using Done = std::function<void(PgOutcome)>;

    PgPool(boost::asio::io_context& io, std::string dsn, int size);
    ~PgPool();
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;

    // Runs `task` on a pooled connection; `done` runs on the io_context. With
    // `retry`, a task whose connection turns out to be dead is run once more on a
    // fresh one (for reads: a write might have happened).
    void submit(Task task, Done done, bool retry = false);

    // Convenience: one statement.
    void query(std::string sql, std::vector<std::optional<std::string>> params, Done done,
               bool retry = true);

    void stop();

private:
    struct Job {
        Task task;
        Done done;
        bool retry;
    };
    void work();

    boost::asio::io_context& io_;
    std::string dsn_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace cadence::client
