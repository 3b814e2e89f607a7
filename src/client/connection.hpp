// A libpq connection owned by RAII, with errors as exceptions.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cadence::client {

// What went wrong talking to the server, already worded for the user.
class ClientError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The rows of one query's result.
class Result {
public:
    explicit Result(PGresult* result) : result_(result, PQclear) {}
    int rows() const { return PQntuples(result_.get()); }
    bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column); }
    std::string value(int row, int column) const { return PQgetvalue(result_.get(), row, column); }

private:
    std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One NOTIFY received.
struct Notification {
    std::string channel;
    std::string payload;
    int sender_pid = 0;  // the backend that sent it (see publisher_check.hpp)
};

class Connection {
public:
    // Connects with a libpq connection string or URI; empty uses the PG* variables.
    explicit Connection(const std::string& dsn);

    // The same, with connection parameters (keyword, value) that the DSN overrides.
    Connection(const std::string& dsn,
               const std::vector<std::pair<std::string, std::string>>& defaults);

    // Runs a query with text parameters; throws ClientError on failure.
    Result query(const std::string& sql, std::initializer_list<std::string> params = {});

    std::string database() const { return PQdb(conn_.get()); }
    int server_version() const { return PQserverVersion(conn_.get()); }

    // For waiting on the connection with poll().
    int socket() const { return PQsocket(conn_.get()); }
    // Whether the server connection is gone (a failed query may mean that).
    bool broken() const { return PQstatus(conn_.get()) == CONNECTION_BAD; }
    // libpq's last message, trimmed.
    std::string error_message() const;

    // Reads whatever the server sent; false when the connection failed.
    bool consume_input() { return PQconsumeInput(conn_.get()) == 1; }
    // The next notification already read, if any.
    std::optional<Notification> next_notification();

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

}  // namespace cadence::client
