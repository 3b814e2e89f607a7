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

Connection::Connection(const std::string& dsn,
                       const std::vector<std::pair<std::string, std::string>>& defaults)
    : conn_(nullptr, PQfinish) {
    // Defaults first, then the DSN as an expanded dbname: later entries win.
    std::vector<const char*> keywords;
    std::vector<const char*> values;
    for (const auto& [keyword, value] : defaults) {
        keywords.push_back(keyword.c_str());
        values.push_back(value.c_str());
    }
    keywords.push_back("dbname");
    values.push_back(dsn.c_str());
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    conn_.reset(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
    if (!conn_) throw ClientError("out of memory while connecting");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw ClientError("could not connect: " + trimmed(PQerrorMessage(conn_.get())));
}

std::string Connection::error_message() const { return trimmed(PQerrorMessage(conn_.get())); }

std::optional<Notification> Connection::next_notification() {
    std::unique_ptr<PGnotify, decltype(&PQfreemem)> notify(PQnotifies(conn_.get()), PQfreemem);
    if (!notify) return std::nullopt;
    return Notification{notify->relname, notify->extra != nullptr ? notify->extra : "", notify->be_pid};
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
