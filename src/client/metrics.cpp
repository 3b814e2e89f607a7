#include "client/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <sstream>

namespace cadence::client {

namespace {

// Upper bounds of the histograms, in seconds.
const std::vector<double> lateness_bounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60};
const std::vector<double> duration_bounds{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
const std::vector<double> lag_bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

std::string array_literal(const std::vector<double>& bounds) {
    std::string out = "'{";
    for (std::size_t i = 0; i < bounds.size(); ++i) out += (i ? "," : "") + std::to_string(bounds[i]);
    return out + "}'::float8[]";
}

// The events in [$1, $2): one row per (what, queue, label, bucket) with how many
// and the sum of their values. what: an event counted ('fire', 'running',
// 'completed', 'error', 'fatal', 'canceled'), 'lateness' (a fire's delay past its
// tick) or 'duration' (a run from its running event to the event that ended it,
// found by the job's index). Bucket: how many bounds lie below the value (the
// Prometheus bucket "le" it falls in).
std::string counted_sql() {
    return "WITH ev AS (SELECT e.id, e.job_id, e.event, coalesce(e.queue, '') AS queue, e.at, e.fire_time, "
           "                   e.details ->> 'reason' AS reason, e.details ? 'worker' AS ends_run "
           "            FROM cadence.job_events e WHERE e.id >= $1 AND e.id < $2), "
           "counted AS (SELECT CASE WHEN event = 'scheduled' AND reason = 'fire' THEN 'fire' ELSE event END AS what, "
           "                   queue, ''::text AS label, NULL::float8 AS value FROM ev "
           "            WHERE (event = 'scheduled' AND reason = 'fire') OR "
           "                  event IN ('running', 'completed', 'error', 'fatal') OR (event = 'canceled' AND ends_run) "
           "            UNION ALL "
           "            SELECT 'lateness', queue, '', extract(epoch FROM at - fire_time)::float8 FROM ev "
           "            WHERE event = 'scheduled' AND reason = 'fire' AND fire_time IS NOT NULL "
           "            UNION ALL "
           "            SELECT 'duration', ev.queue, ev.event, extract(epoch FROM ev.at - r.at)::float8 FROM ev "
           "            CROSS JOIN LATERAL (SELECT s.at FROM cadence.job_events s "
           "                                WHERE s.job_id = ev.job_id AND s.id < ev.id AND s.event = 'running' "
           "                                ORDER BY s.id DESC LIMIT 1) r "
           "            WHERE ev.ends_run AND ev.event IN ('completed', 'error', 'fatal', 'canceled')) "
           "SELECT what, queue, label, CASE what WHEN 'lateness' THEN (SELECT count(*) FROM unnest(" +
           array_literal(lateness_bounds) + ") b WHERE b < value) WHEN 'duration' THEN "
           "(SELECT count(*) FROM unnest(" + array_literal(duration_bounds) + ") b WHERE b < value) END AS bucket, "
           "count(*), coalesce(sum(value), 0) FROM counted GROUP BY 1, 2, 3, 4";
}

std::vector<double> increments(std::size_t bucket, std::uint64_t count, std::size_t bounds) {
    std::vector<double> out(bounds + 1, 0.0);
    out[std::min(bucket, bounds)] = static_cast<double>(count);
    return out;
}

}  // namespace

struct GatewayMetrics::Families {
    prometheus::Family<prometheus::Gauge>& jobs;
    prometheus::Family<prometheus::Counter>& fires;
    prometheus::Family<prometheus::Counter>& runs_started;
    prometheus::Family<prometheus::Counter>& runs_ended;
    prometheus::Family<prometheus::Histogram>& lateness;
    prometheus::Family<prometheus::Histogram>& duration;
    prometheus::Family<prometheus::Gauge>& executors;
    prometheus::Gauge& executors_limit;
    prometheus::Histogram& publication_lag;
    prometheus::Counter& resyncs;
    prometheus::Counter& forged;
    prometheus::Gauge& streams;
    prometheus::Counter& scrape_errors;
    std::map<std::pair<std::string, std::string>, prometheus::Gauge*> jobs_shown;
};

GatewayMetrics::GatewayMetrics(PgPool& pool, StatusHub& hub)
    : pool_(pool), hub_(hub), registry_(std::make_shared<prometheus::Registry>()) {
    using prometheus::BuildCounter;
    using prometheus::BuildGauge;
    using prometheus::BuildHistogram;
    auto& r = *registry_;
    auto& lag = BuildHistogram()
                    .Name("cadence_publication_lag_seconds")
                    .Help("From a status event's time (inside the transaction that wrote it) to its arrival at the "
                          "gateway's LISTEN connection: the commit, the publisher's batch and NOTIFY.")
                    .Register(r);
    auto& resyncs = BuildCounter()
                        .Name("cadence_resyncs_total")
                        .Help("Times the gateway's streams were told to replay from the event log (events could "
                              "not be published one by one).")
                        .Register(r);
    auto& forged = BuildCounter()
                       .Name("cadence_forged_notifications_total")
                       .Help("Notifications on cadence_status dropped because a process other than pg_cadence's "
                             "publisher sent them.")
                       .Register(r);
    auto& streams = BuildGauge().Name("cadence_sse_streams").Help("SSE streams open on this gateway.").Register(r);
    families_.reset(new Families{
        BuildGauge().Name("cadence_jobs").Help("Jobs per queue and status (cadence.status_counts).").Register(r),
        BuildCounter().Name("cadence_fires_total").Help("Ticks of periodic jobs fired by the scheduler.").Register(r),
        BuildCounter().Name("cadence_runs_started_total").Help("Runs claimed by a worker or an executor.").Register(r),
        BuildCounter()
            .Name("cadence_runs_ended_total")
            .Help("Runs that ended, by status: completed, error (to be retried), fatal, canceled.")
            .Register(r),
        BuildHistogram()
            .Name("cadence_fire_lateness_seconds")
            .Help("How long after its tick a periodic job was fired (the fire event's time minus its fire_time).")
            .Register(r),
        BuildHistogram()
            .Name("cadence_run_duration_seconds")
            .Help("From a run's running event to the event that ended it, by how it ended.")
            .Register(r),
        BuildGauge()
            .Name("cadence_executors")
            .Help("This database's executors by state (cadence.executors; members of cadence_admin only).")
            .Register(r),
        BuildGauge()
            .Name("cadence_executors_limit")
            .Help("How many executors may run at once, all databases together (cadence.max_executors).")
            .Register(r)
            .Add({}),
        lag.Add({}, prometheus::Histogram::BucketBoundaries(lag_bounds)),
        resyncs.Add({}),
        forged.Add({}),
        streams.Add({}),
        BuildCounter()
            .Name("cadence_scrape_errors_total")
            .Help("Scrapes whose reading of the database failed (they answered the gateway's own figures).")
            .Register(r)
            .Add({}),
        {}});
}

GatewayMetrics::~GatewayMetrics() = default;

void GatewayMetrics::start() {
    // Scrapes that come before this answers wait for it (they would start later).
    scraping_ = true;
    pool_.query("SELECT cadence.status_horizon()", {}, [this](PgOutcome outcome) {
        if (outcome.ok && outcome.scalar()) position_ = std::stoll(*outcome.scalar());
        scraping_ = false;
        if (!waiting_.empty()) {
            auto waiting = std::move(waiting_);
            waiting_.clear();
            for (auto& reply : waiting) scrape(std::move(reply));
        }
    });
}

void GatewayMetrics::observe_publication_lag(std::chrono::duration<double> lag) {
    families_->publication_lag.Observe(std::max(0.0, lag.count()));
}

void GatewayMetrics::scrape(ApiRoutes::Reply reply) {
    waiting_.push_back(std::move(reply));
    // One read at a time: two would count the same events twice.
    if (scraping_) return;
    scraping_ = true;
    std::int64_t from = position_;
    struct Read {
        PgOutcome counted, counts, executors;
        std::int64_t horizon = 0;
    };
    auto read = std::make_shared<Read>();
    pool_.submit(
        [read, from](PGconn* conn) {
            // The horizon first, then (a later statement, a later snapshot) the ids below it.
            auto horizon = pg_query(conn, "SELECT cadence.status_horizon()");
            if (!horizon.ok) return horizon;
            read->horizon = std::stoll(horizon.scalar().value_or("0"));
            std::int64_t start = from > 0 ? from : read->horizon;
            read->counted = pg_query(conn, counted_sql(), {std::to_string(start), std::to_string(read->horizon)});
            if (!read->counted.ok) return read->counted;
            read->counts = pg_query(conn, "SELECT queue, status, jobs FROM cadence.status_counts UNION ALL "
                                          "SELECT NULL, 'executors limit', current_setting('cadence.max_executors')::bigint");
            if (!read->counts.ok) return read->counts;
            // Only members of cadence_admin may see the executors: for others they are left out.
            // (Asked first: a query of the view would log a permission error at each scrape.)
            auto may = pg_query(conn, "SELECT pg_catalog.has_table_privilege('cadence.executors', 'SELECT')");
            read->executors = may.scalar() == std::optional<std::string>("t")
                                  ? pg_query(conn, "SELECT state, count(*) FROM cadence.executors GROUP BY state")
                                  : PgOutcome::failure("42501", "not a member of cadence_admin", false);
            return PgOutcome{};
        },
        [this, read](PgOutcome outcome) {
            scraping_ = false;
            auto replies = std::move(waiting_);
            waiting_.clear();
            if (outcome.ok) {
                update(read->counted, read->counts, read->executors);
                position_ = std::max(position_, read->horizon);
            } else {
                // The database is away (or refused): the gateway's own figures still
                // answer, and the failure is counted; the next scrape reads on from
                // the same position.
                families_->scrape_errors.Increment();
                update_gateway();
            }
            std::string text = serialize();
            for (auto& r : replies) r(HttpReply{200, text, "text/plain; version=0.0.4; charset=utf-8"});
        },
        true);  // a read: tried again on a fresh connection
}

void GatewayMetrics::update(const PgOutcome& counted, const PgOutcome& counts, const PgOutcome& executors) {
    Families& f = *families_;
    for (const auto& row : counted.rows) {
        if (row.size() < 6 || !row[0] || !row[1] || !row[4]) continue;
        const std::string& what = *row[0];
        const std::string& queue = *row[1];
        auto count = std::stoull(*row[4]);
        double sum = row[5] ? std::stod(*row[5]) : 0.0;
        std::size_t bucket = row[3] ? std::stoull(*row[3]) : 0;
        if (what == "fire") f.fires.Add({{"queue", queue}}).Increment(static_cast<double>(count));
        else if (what == "running") f.runs_started.Add({{"queue", queue}}).Increment(static_cast<double>(count));
        else if (what == "lateness")
            f.lateness.Add({{"queue", queue}}, prometheus::Histogram::BucketBoundaries(lateness_bounds))
                .ObserveMultiple(increments(bucket, count, lateness_bounds.size()), sum);
        else if (what == "duration")
            f.duration.Add({{"queue", queue}, {"status", row[2].value_or("")}},
                           prometheus::Histogram::BucketBoundaries(duration_bounds))
                .ObserveMultiple(increments(bucket, count, duration_bounds.size()), sum);
        else f.runs_ended.Add({{"queue", queue}, {"status", what}}).Increment(static_cast<double>(count));
    }
    // Jobs per queue and status: a pair no longer counted goes away.
    std::map<std::pair<std::string, std::string>, prometheus::Gauge*> shown;
    for (const auto& row : counts.rows) {
        if (row.size() == 3 && !row[0] && row[1] == std::optional<std::string>("executors limit") && row[2]) {
            f.executors_limit.Set(std::stod(*row[2]));
            continue;
        }
        if (row.size() < 3 || !row[0] || !row[1] || !row[2]) continue;
        auto key = std::make_pair(*row[0], *row[1]);
        auto* gauge = &f.jobs.Add({{"queue", key.first}, {"status", key.second}});
        gauge->Set(std::stod(*row[2]));
        shown[key] = gauge;
    }
    for (const auto& [key, gauge] : f.jobs_shown)
        if (!shown.count(key)) f.jobs.Remove(gauge);
    f.jobs_shown = std::move(shown);
    if (executors.ok) {
        for (const char* state : {"starting", "idle", "running", "stopping"}) f.executors.Add({{"state", state}}).Set(0);
        for (const auto& row : executors.rows)
            if (row.size() == 2 && row[0] && row[1]) f.executors.Add({{"state", *row[0]}}).Set(std::stod(*row[1]));
    }
    update_gateway();
}

void GatewayMetrics::update_gateway() {
    Families& f = *families_;
    // The hub's own counts, carried over as increments.
    auto resyncs = hub_.resyncs(), forged = hub_.forged();
    f.resyncs.Increment(static_cast<double>(resyncs - resyncs_seen_));
    f.forged.Increment(static_cast<double>(forged - forged_seen_));
    resyncs_seen_ = resyncs;
    forged_seen_ = forged;
    f.streams.Set(static_cast<double>(hub_.subscribers()));
}

std::string GatewayMetrics::serialize() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
}

}  // namespace cadence::client
