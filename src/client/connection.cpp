#include "client/connection.hpp"

#include <vector>

namespace cadence::client {

namespace {

// libpq's messages end with a newline; ours are printed with one of their own.
std::string trimmed(const char* message) {
    std::string text = message != nullptr ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

Connection::Connection(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str()), PQfinish) {
    if (!conn_) throw ClientError("out of memory while connecting");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw ClientError("could not connect: " + trimmed(PQerrorMessage(conn_.get())));
}

Result Connection::query(const std::string& sql, std::initializer_list<std::string> params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* raw = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                 nullptr, values.data(), nullptr, nullptr, 0);
    Result result(raw);
    ExecStatusType status = PQresultStatus(raw);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        throw ClientError(trimmed(PQresultErrorMessage(raw)));
    return result;
}

}  // namespace cadence::client
