// A LISTEN client for benchmarks: subscribes to cadence_status, and for every
// status event received measures the delay from the event's time ("at", taken
// when the event row was written, just before its commit) to its arrival here.
// Runs until SIGINT/SIGTERM or --seconds, then prints count and p50/p99/max.
//
// Usage: cadence_listen_bench --dsn DSN [--seconds N]
#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/instant.hpp"

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
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--dsn") && i + 1 < argc) dsn = argv[++i];
        else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s --dsn DSN [--seconds N]\n", argv[0]);
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
    std::printf("listening\n");
    std::fflush(stdout);

    std::vector<double> delays_ms;
    size_t resyncs = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!stop && (seconds == 0 || std::chrono::steady_clock::now() < deadline)) {
        pollfd fd{PQsocket(conn), POLLIN, 0};
        if (poll(&fd, 1, 200) <= 0) continue;
        PQconsumeInput(conn);
        auto now = std::chrono::system_clock::now();
        while (PGnotify* n = PQnotifies(conn)) {
            for (const auto& m : nlohmann::json::parse(n->extra)) {
                if (m["type"] == "resync") {
                    ++resyncs;
                    continue;
                }
                if (m["type"] != "status") continue;  // a horizon: no event of its own
                auto at = cadence::core::parse_instant(m["at"].get<std::string>(), "at");
                delays_ms.push_back(std::chrono::duration<double, std::milli>(now - at).count());
            }
            PQfreemem(n);
        }
    }
    size_t count = delays_ms.size();
    double p50 = percentile(delays_ms, 0.50), p99 = percentile(delays_ms, 0.99);
    double max = delays_ms.empty() ? 0 : delays_ms.back();
    std::printf("events %zu resyncs %zu p50_ms %.3f p99_ms %.3f max_ms %.3f\n", count, resyncs, p50,
                p99, max);
    PQfinish(conn);
    return 0;
}
