#include "client/pg_pool.hpp"

#include "client/backoff.hpp"

#include <boost/asio/post.hpp>
#include <array>
#include <chrono>
#include <memory>

namespace cadence::client {

std::string pg_message(const char* text) {
    std::string out = text != nullptr ? text : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

void quiet_notices(PGconn* conn) {
    // Server notices (and libpq's echo of a FATAL on a dying connection) would go
    // to stderr unprefixed; the gateway reports connection trouble itself.
    if (conn != nullptr) PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
}

namespace {

// Keywords before "dbname" are overridden by the DSN; those after are fallbacks.
// No JIT: the gateway's queries read a page by key and take about a millisecond,
// but the list's (one branch per group of the list) is estimated above
// jit_above_cost, and compiling it took about 100 ms at a million jobs.
constexpr const char* connect_keys[] = {"connect_timeout", "options", "dbname", "fallback_application_name",
                                        nullptr};
std::array<const char*, 5> connect_values(const std::string& dsn) {
    return {"5", "-c jit=off", dsn.c_str(), "cadence-serve", nullptr};
}

}  // namespace

PGconn* pg_connect_blocking(const std::string& dsn) {
    auto values = connect_values(dsn);
    PGconn* conn = PQconnectdbParams(connect_keys, values.data(), 1);
    quiet_notices(conn);
    return conn;
}

PGconn* pg_connect_start(const std::string& dsn) {
    auto values = connect_values(dsn);
    return PQconnectStartParams(connect_keys, values.data(), 1);
}

PgOutcome pg_query(PGconn* conn, const std::string& sql,
                   const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(
        PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                     nullptr, nullptr, 0),
        PQclear);
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        bool lost = PQstatus(conn) != CONNECTION_OK;
        const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
        const char* primary =
            result ? PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        std::string message = pg_message(primary != nullptr ? primary : PQerrorMessage(conn));
        if (lost) message = "lost the database connection: " + message;
        return PgOutcome::failure(lost || state == nullptr ? "" : state, message, lost);
    }
    PgOutcome out;
    int rows = PQntuples(result.get()), columns = PQnfields(result.get());
    out.rows.reserve(rows);
    for (int r = 0; r < rows; ++r) {
        std::vector<std::optional<std::string>> row;
        row.reserve(columns);
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(result.get(), r, c)) row.emplace_back();
            else row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                              PQgetlength(result.get(), r, c)));
        }
        out.rows.push_back(std::move(row));
    }
    return out;
}

PgPool::PgPool(boost::asio::io_context& io, std::string dsn, int size)
    : io_(io), dsn_(std::move(dsn)) {
    for (int i = 0; i < size; ++i) threads_.emplace_back([this] { work(); });
}

PgPool::~PgPool() { stop(); }

void PgPool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void PgPool::submit(Task task, Done done, bool retry) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.push_back({std::move(task), std::move(done), retry});
    }
    ready_.notify_one();
}

void PgPool::query(std::string sql, std::vector<std::optional<std::string>> params, Done done,
                   bool retry) {
    submit([sql = std::move(sql), params = std::move(params)](
               PGconn* conn) { return pg_query(conn, sql, params); },
           std::move(done), retry);
}

void PgPool::work() {
    using Clock = std::chrono::steady_clock;
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(nullptr, PQfinish);
    Backoff backoff;
    auto next_try = Clock::now();
    std::string last_error = "not connected yet";

    // Connects if needed and allowed by the backoff; false when still down.
    auto ensure = [&]() {
        if (conn && PQstatus(conn.get()) == CONNECTION_OK) return true;
        conn.reset();
        if (Clock::now() < next_try) return false;
        conn.reset(pg_connect_blocking(dsn_));
        if (conn && PQstatus(conn.get()) == CONNECTION_OK) {
            backoff.reset();
            return true;
        }
        last_error = conn ? pg_message(PQerrorMessage(conn.get())) : "out of memory";
        conn.reset();
        next_try = Clock::now() + backoff.next();
        return false;
    };

    while (true) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        PgOutcome outcome;
        for (int round = 0; round < 2; ++round) {
            if (!ensure()) {
                outcome = PgOutcome::failure("", "database unavailable: " + last_error, true);
                break;
            }
            try {
                outcome = job.task(conn.get());
            } catch (const std::exception& e) {
                // A task that throws (a value it could not read) fails its request, not the gateway.
                outcome = PgOutcome::failure("XX000", std::string("internal error: ") + e.what(), false);
                conn.reset();  // whatever it left open goes with the connection
            }
            if (!outcome.connection_failed) break;
            // Dead connection: the next task reconnects at once.
            last_error = outcome.message;
            conn.reset();
            backoff.reset();
            next_try = Clock::now();
            if (!job.retry) break;
        }
        boost::asio::post(io_, [done = std::move(job.done), outcome = std::move(outcome)]() mutable {
            done(std::move(outcome));
        });
    }
}

}  // namespace cadence::client
