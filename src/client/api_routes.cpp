#include "client/api_routes.hpp"

#include <variant>

#include "client/job_body.hpp"

namespace cadence::client {

namespace {

// recent_jobs' columns plus the latest event id; a scalar subquery keeps the view's
// order (a join could reorder it).
constexpr const char* job_rows =
    "SELECT rj.*, (SELECT s.event_id FROM cadence.jobs_status s WHERE s.job_id = rj.job_id) "
    "AS event_id FROM cadence.recent_jobs rj";

}  // namespace

HttpReply error_reply(int status, const std::string& message) {
    return {status, serve::error_body(message), "application/json"};
}

HttpReply failure_reply(const PgOutcome& outcome) {
    return error_reply(
        serve::http_status_for_sqlstate(outcome.connection_failed ? "" : outcome.sqlstate),
        outcome.message);
}

void ApiRoutes::list_jobs(const serve::Target& target, Reply reply) {
    auto param = [&](const char* key) -> std::optional<std::string> {
        auto it = target.query.find(key);
        if (it == target.query.end() || it->second.empty()) return std::nullopt;
        return it->second;
    };
    auto limit_text = target.query.count("limit") ? std::optional(target.query.at("limit"))
                                                  : std::nullopt;
    auto limit = serve::parse_limit(limit_text);
    if (!limit)
        return reply(error_reply(400, "invalid limit \"" + limit_text.value_or("") +
                                          "\": expected an integer from 1 to " +
                                          std::to_string(serve::max_limit)));
    std::optional<serve::ListCursor> after;
    if (auto text = param("after")) {
        after = serve::parse_list_cursor(*text);
        if (!after)
            return reply(error_reply(400, "invalid after \"" + *text +
                                              "\": expected the \"next\" of the previous page"));
    }
    std::optional<std::string> ids;
    if (auto text = param("ids")) {
        ids = serve::parse_id_list(*text);
        if (!ids)
            return reply(error_reply(400, "invalid ids \"" + *text + "\": expected job ids separated by commas, at most " +
                                              std::to_string(serve::max_limit)));
    }
    auto number = [](auto value) { return std::optional<std::string>(std::to_string(value)); };
    // One page of recent_jobs in its order, read by key: the rows after the cursor's
    // row, in one of the indexes that have the list's order (all jobs, one queue's,
    // one status's: the group a status filter implies lets the planner see that).
    const std::string filters =
        " AND ($1::text IS NULL OR (rj.status = $1 AND rj.list_group = cadence._list_group($1)))"
        " AND ($2::text IS NULL OR rj.queue = $2)"
        " AND ($3::text IS NULL OR strpos(lower(rj.name), lower($3)) > 0)"
        " AND ($5::int IS NULL OR (rj.list_group, rj.changed_at, rj.job_id) <"
        "      ($5, 'epoch'::timestamptz + $6::bigint * interval '1 microsecond', $7::bigint))"
        " AND ($8::timestamptz IS NULL OR rj.changed_at >= $8)"
        " AND ($9::timestamptz IS NULL OR rj.changed_at < $9)"
        // (The page reads the jobs that changed again, many at once.)
        " AND ($10::bigint[] IS NULL OR rj.job_id = ANY ($10))";
    std::string rows = job_rows + std::string(" WHERE true") + filters + " LIMIT $4::int";
    if (param("changed_after") || param("changed_before")) {
        // A range of the last change cuts across the list's groups: each group
        // (list_group 3 to 0) is read apart, where the range is a range of the
        // index, and the groups' pages merged in the list's order. (Only then: the
        // four branches cost about 4 ms more to plan.) No ORDER BY in a branch: the
        // view's order holds, and an ORDER BY of its own would stop the index scan.
        std::string groups;
        for (int group = 3; group >= 0; --group)
            groups += std::string(groups.empty() ? "" : " UNION ALL ") + "(" + job_rows +
                      " WHERE rj.list_group = " + std::to_string(group) + " AND ($5::int IS NULL OR $5 >= " +
                      std::to_string(group) + ")" + filters + " LIMIT $4::int)";
        rows = "SELECT * FROM (" + groups + ") g ORDER BY g.list_group DESC, g.changed_at DESC, g.job_id DESC "
               "LIMIT $4::int";
    }
    pool_.query("WITH page AS (" + rows + ") "
                    "SELECT json_build_object('jobs', coalesce((SELECT json_agg(p) FROM page p), '[]'), "
                    "'next', CASE WHEN (SELECT count(*) FROM page) = $4::int THEN (SELECT p.list_group || '.' || "
                    "(extract(epoch FROM p.changed_at) * 1000000)::bigint || '.' || p.job_id FROM page p "
                    "ORDER BY p.list_group, p.changed_at, p.job_id LIMIT 1) END)::text",
                {param("status"), param("queue"), param("name"), std::to_string(*limit),
                 after ? number(after->list_group) : std::nullopt,
                 after ? number(after->changed_at_us) : std::nullopt,
                 after ? number(after->job_id) : std::nullopt, param("changed_after"), param("changed_before"), ids},
                [reply](PgOutcome outcome) {
                    if (!outcome.ok) return reply(failure_reply(outcome));
                    reply({200, outcome.scalar().value_or("{\"jobs\":[]}")});
                });
}

void ApiRoutes::counts(Reply reply) {
    pool_.query("SELECT json_build_object('counts', coalesce(json_agg(c ORDER BY c.queue, c.status), '[]'))::text "
                "FROM cadence.status_counts c",
                {}, [reply](PgOutcome outcome) {
                    if (!outcome.ok) return reply(failure_reply(outcome));
                    reply({200, outcome.scalar().value_or("{\"counts\":[]}")});
                });
}

void ApiRoutes::workers(Reply reply) {
    // The page tells gone workers by last_seen itself, so it sends the setting too.
    pool_.query("SELECT json_build_object('workers', coalesce(json_agg(w), '[]'), 'gone_after_seconds', "
                "extract(epoch FROM current_setting('cadence.worker_gone_after')::interval))::text "
                "FROM cadence.workers w",
                {}, [reply](PgOutcome outcome) {
                    if (!outcome.ok) return reply(failure_reply(outcome));
                    reply({200, outcome.scalar().value_or("{\"workers\":[]}")});
                });
}

void ApiRoutes::get_job(std::int64_t job_id, Reply reply) {
    pool_.query(std::string("SELECT json_build_object('job', row_to_json(r), 'events', "
                            "(SELECT coalesce(json_agg(h), '[]') FROM (SELECT event_id, event, "
                            "status, attempt, at, fire_time, worker, error, details "
                            "FROM cadence.job_history WHERE job_id = $1 "
                            "ORDER BY event_id DESC LIMIT 200) h))::text FROM (") +
                    job_rows + " WHERE rj.job_id = $1) r",
                {std::to_string(job_id)}, [reply, job_id](PgOutcome outcome) {
                    if (!outcome.ok) return reply(failure_reply(outcome));
                    if (outcome.rows.empty())
                        return reply(error_reply(
                            404, "job " + std::to_string(job_id) + " does not exist"));
                    reply({200, outcome.scalar().value_or("{}")});
                });
}

namespace {

void action(PgPool& pool, const char* sql, std::int64_t job_id, ApiRoutes::Reply reply) {
    pool.query(sql, {std::to_string(job_id)},
               [reply](PgOutcome outcome) {
                   if (!outcome.ok) return reply(failure_reply(outcome));
                   reply({204, "", ""});
               },
               false);  // not retried: the call may have taken effect
}

}  // namespace

namespace {

// Runs create_job or alter_job with the body's arguments and reads the job back, in
// one transaction on one connection. An interval is tried alone first, so that a
// malformed one is an error that names its field.
PgOutcome write_job(PGconn* conn, const std::vector<serve::JobArgument>& arguments,
                    std::optional<std::int64_t> job_id) {
    for (const auto& a : arguments) {
        if (a.sql_type != "interval" || !a.value) continue;
        auto check = pg_query(conn, "SELECT $1::interval", {a.value});
        if (!check.ok) {
            check.message = a.name + ": " + check.message;
            return check;
        }
    }
    std::vector<std::optional<std::string>> params;
    if (job_id) params.push_back(std::to_string(*job_id));
    for (const auto& a : arguments) params.push_back(a.value);
    auto begin = pg_query(conn, "BEGIN");
    if (!begin.ok) return begin;
    auto call = pg_query(conn, serve::job_call_sql(arguments, !job_id), params);
    std::optional<std::string> id = job_id ? std::optional(std::to_string(*job_id)) : call.scalar();
    auto outcome = call.ok ? pg_query(conn,
                                      std::string("SELECT json_build_object('job', row_to_json(r), 'stream_url', "
                                                  "'/api/v1/jobs/' || r.job_id || '/$stream')::text FROM (") +
                                          job_rows + " WHERE rj.job_id = $1::bigint) r",
                                      {id})
                           : call;
    if (outcome.ok) {
        auto commit = pg_query(conn, "COMMIT");
        if (!commit.ok) outcome = commit;
    }
    if (!outcome.ok && PQstatus(conn) == CONNECTION_OK) pg_query(conn, "ROLLBACK");
    return outcome;
}

}  // namespace

void ApiRoutes::write_job(const std::string& body, std::optional<std::int64_t> job_id, Reply reply) {
    auto parsed = serve::parse_job_body(body, !job_id);
    if (auto* error = std::get_if<serve::JobBodyError>(&parsed)) return reply(error_reply(400, error->message));
    pool_.submit(
        [arguments = std::get<std::vector<serve::JobArgument>>(std::move(parsed)), job_id](PGconn* conn) {
            return client::write_job(conn, arguments, job_id);
        },
        [reply, created = !job_id](PgOutcome outcome) {
            if (!outcome.ok) return reply(failure_reply(outcome));
            reply({created ? 201 : 200, outcome.scalar().value_or("{}")});
        });  // not retried: the call may have taken effect
}

void ApiRoutes::pause_job(std::int64_t job_id, Reply reply) {
    action(pool_, "SELECT cadence.pause_job($1::bigint)", job_id, std::move(reply));
}

void ApiRoutes::resume_job(std::int64_t job_id, Reply reply) {
    action(pool_, "SELECT cadence.resume_job($1::bigint)", job_id, std::move(reply));
}

void ApiRoutes::run_job(std::int64_t job_id, Reply reply) {
    action(pool_, "SELECT cadence.run_job_now($1::bigint)", job_id, std::move(reply));
}

void ApiRoutes::cancel_job(std::int64_t job_id, Reply reply) {
    action(pool_, "SELECT cadence.cancel_job($1::bigint)", job_id, std::move(reply));
}

void ApiRoutes::delete_job(std::int64_t job_id, Reply reply) {
    // One transaction: a run in progress is canceled first (its worker's later
    // complete/fail is refused), then the job is deleted.
    pool_.submit(
        [job_id](PGconn* conn) {
            std::string id = std::to_string(job_id);
            auto begin = pg_query(conn, "BEGIN");
            if (!begin.ok) return begin;
            auto cancel = pg_query(conn,
                                   "SELECT cadence.cancel_job(job_id) FROM cadence.jobs_status "
                                   "WHERE job_id = $1::bigint AND status IN ('scheduled', "
                                   "'running')",
                                   {id});
            auto outcome = cancel.ok ? pg_query(conn, "SELECT cadence.delete_job($1::bigint)", {id})
                                     : cancel;
            if (outcome.ok) outcome = pg_query(conn, "COMMIT");
            if (!outcome.ok && PQstatus(conn) == CONNECTION_OK) pg_query(conn, "ROLLBACK");
            return outcome;
        },
        [reply](PgOutcome outcome) {
            if (!outcome.ok) return reply(failure_reply(outcome));
            reply({204, "", ""});
        });
}

}  // namespace cadence::client
