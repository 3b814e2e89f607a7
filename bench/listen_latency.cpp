// A LISTEN client for benchmarks: subscribes to cadence_status, and for every
// status event received measures the delay from the event's time ("at", taken
// when the event row was written, just before its commit) to its arrival here.
// Runs until SIGINT/SIGTERM or --seconds, then prints count and p50/p99/max.
//
// With --probe-ms N it also creates a job of its own every N ms on a second
// connection and measures commit to client: from the return of the creating
// statement (autocommit: the commit is durable then) to the arrival of that job's
// notification. "at" comes before the writer's commit, so the first figure also
// holds the rest of the writer's transaction and its WAL flush; this one does not.
//
// Usage: cadence_listen_bench --dsn DSN [--seconds N] [--probe-ms N]
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/instant.hpp"
#include "core/status_wire.hpp"

namespace {

volatile std::sig_atomic_t stop = 0;
void on_signal(int) { stop = 1; }

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
    std::string dsn;
    int seconds = 0;
    int probe_ms = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--dsn") && i + 1 < argc) dsn = argv[++i];
        else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--probe-ms") && i + 1 < argc) probe_ms = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s --dsn DSN [--seconds N] [--probe-ms N]\n", argv[0]);
            return 2;
        }
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    PGconn* conn = PQconnectdb(dsn.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::fprintf(stderr, "connect: %s", PQerrorMessage(conn));
        return 1;
    }
    PQclear(PQexec(conn, "LISTEN cadence_status"));
    PGconn* writer = nullptr;
    if (probe_ms > 0) {
        writer = PQconnectdb(dsn.c_str());
        if (PQstatus(writer) != CONNECTION_OK) {
            std::fprintf(stderr, "connect: %s", PQerrorMessage(writer));
            return 1;
        }
    }
    std::unordered_map<long long, std::chrono::steady_clock::time_point> probes;  // job id -> commit
    std::vector<double> probe_ms_delays;
    auto next_probe = std::chrono::steady_clock::now();
    std::printf("listening\n");
    std::fflush(stdout);

    std::vector<double> delays_ms;
    size_t resyncs = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!stop && (seconds == 0 || std::chrono::steady_clock::now() < deadline)) {
        if (writer != nullptr && std::chrono::steady_clock::now() >= next_probe) {
            PGresult* r = PQexec(writer,
                                 "SELECT cadence.create_job('probe', '{\"kind\": \"once\", \"at\": "
                                 "\"2099-01-01T00:00:00Z\"}', queue => 'latency-probe')");
            auto committed = std::chrono::steady_clock::now();
            if (PQresultStatus(r) == PGRES_TUPLES_OK) probes[std::atoll(PQgetvalue(r, 0, 0))] = committed;
            PQclear(r);
            next_probe = committed + std::chrono::milliseconds(probe_ms);
        }
        pollfd fd{PQsocket(conn), POLLIN, 0};
        int wait_ms = writer == nullptr ? 200 : std::max<int>(0, static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(next_probe - std::chrono::steady_clock::now()).count()));
        if (poll(&fd, 1, wait_ms) <= 0) continue;
        PQconsumeInput(conn);
        auto now = std::chrono::system_clock::now();
        auto arrived = std::chrono::steady_clock::now();
        while (PGnotify* n = PQnotifies(conn)) {
            auto decoded = cadence::core::decode_status_notification(n->extra);
            resyncs += decoded ? (decoded->resync ? 1 : 0) + decoded->ranges.size() : 1;
            for (const auto& m : decoded ? decoded->events : std::vector<cadence::core::StatusEvent>{}) {
                if (auto probe = probes.find(m.job_id); probe != probes.end()) {
                    probe_ms_delays.push_back(std::chrono::duration<double, std::milli>(arrived - probe->second).count());
                    probes.erase(probe);
                }
                auto at = cadence::core::parse_instant(m.at, "at");
                delays_ms.push_back(std::chrono::duration<double, std::milli>(now - at).count());
            }
            PQfreemem(n);
        }
    }
    size_t count = delays_ms.size();
    double p50 = percentile(delays_ms, 0.50), p99 = percentile(delays_ms, 0.99);
    double max = delays_ms.empty() ? 0 : delays_ms.back();
    std::printf("events %zu resyncs %zu p50_ms %.3f p99_ms %.3f max_ms %.3f", count, resyncs, p50,
                p99, max);
    if (writer != nullptr) {
        double probe_max = probe_ms_delays.empty() ? 0 : *std::max_element(probe_ms_delays.begin(), probe_ms_delays.end());
        std::printf(" | commit to client: probes %zu p50_ms %.3f p99_ms %.3f max_ms %.3f", probe_ms_delays.size(),
                    percentile(probe_ms_delays, 0.50), percentile(probe_ms_delays, 0.99), probe_max);
        PQfinish(writer);
    }
    std::printf("\n");
    PQfinish(conn);
    return 0;
}
