// The REST part of `cadence serve`: each route is one SQL round trip on the pool,
// the JSON built by PostgreSQL itself (json_agg/row_to_json) so that columns and
// types follow the views.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "client/pg_pool.hpp"
#include "client/serve_http.hpp"

namespace cadence::client {

struct HttpReply {
    int status = 200;
    std::string body;  // empty for 204
    std::string content_type = "application/json";
};

class ApiRoutes {
public:
    using Reply = std::function<void(HttpReply)>;
    explicit ApiRoutes(PgPool& pool) : pool_(pool) {}

    void list_jobs(const serve::Target& target, Reply reply);
    void get_job(std::int64_t job_id, Reply reply);
    // {"counts": [{"queue":..,"status":..,"jobs":..}, ...]}: cadence.status_counts.
    void counts(Reply reply);
    // {"workers": [cadence.workers rows], "gone_after_seconds": 300}.
    void workers(Reply reply);
    // POST /api/v1/jobs (no job_id: 201 with the job and its stream_url) and PATCH
    // /api/v1/jobs/{id} (200): cadence.create_job / alter_job with the JSON body's
    // fields (client/job_body.hpp), as the gateway's role.
    void write_job(const std::string& body, std::optional<std::int64_t> job_id, Reply reply);
    void pause_job(std::int64_t job_id, Reply reply);
    void resume_job(std::int64_t job_id, Reply reply);
    void run_job(std::int64_t job_id, Reply reply);
    void cancel_job(std::int64_t job_id, Reply reply);
    void delete_job(std::int64_t job_id, Reply reply);

private:
    PgPool& pool_;
};

// A JSON error reply.
HttpReply error_reply(int status, const std::string& message);
// The reply for a failed query: SQLSTATE mapped to an HTTP status, the server's message.
HttpReply failure_reply(const PgOutcome& outcome);

}  // namespace cadence::client
