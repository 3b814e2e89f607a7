// A libpq connection owned by RAII, with errors as exceptions.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>
#include <string>

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

class Connection {
public:
    // Connects with a libpq connection string or URI; empty uses the PG* variables.
    explicit Connection(const std::string& dsn);

    // Runs a query with text parameters; throws ClientError on failure.
    Result query(const std::string& sql, std::initializer_list<std::string> params = {});

    std::string database() const { return PQdb(conn_.get()); }
    int server_version() const { return PQserverVersion(conn_.get()); }

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

}  // namespace cadence::client
