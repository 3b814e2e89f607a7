// `cadence serve`'s GET /metrics, in Prometheus' text format (prometheus-cpp's
// registry and serializer). What happens to jobs is read from the event log, and
// only what was added since the last scrape: the ids between the status horizon
// seen then and the one read now (nothing below a horizon can still commit, so
// each event is counted once: docs/status-positions.md). Jobs per queue and status
// come from cadence.status_counts (kept, not counted); the executors from
// cadence.executors (members of cadence_admin only: the metric is left out for
// other roles); the gateway's own figures from the hub.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/api_routes.hpp"
#include "client/pg_pool.hpp"
#include "client/status_hub.hpp"

namespace prometheus {
class Registry;
}

namespace cadence::client {

class GatewayMetrics {
public:
    GatewayMetrics(PgPool& pool, StatusHub& hub);
    ~GatewayMetrics();

    // Reads the horizon metrics count from: events committed after this are counted.
    void start();
    // Reads what changed since the last scrape and answers the text format.
    void scrape(ApiRoutes::Reply reply);
    // A status event reached the gateway `lag` after it was written (its `at`).
    void observe_publication_lag(std::chrono::duration<double> lag);

private:
    struct Families;
    void update(const PgOutcome& counted, const PgOutcome& counts, const PgOutcome& executors);
    void update_gateway();  // the hub's figures: streams, resyncs, forged notifications
    std::string serialize() const;

    PgPool& pool_;
    StatusHub& hub_;
    std::shared_ptr<prometheus::Registry> registry_;
    std::unique_ptr<Families> families_;
    std::int64_t position_ = 0;  // events below this were counted (0: not started)
    bool scraping_ = false;
    std::vector<ApiRoutes::Reply> waiting_;  // scrapes that came while one ran
    std::uint64_t resyncs_seen_ = 0;
    std::uint64_t forged_seen_ = 0;
};

}  // namespace cadence::client
