// SSE fan-out of `cadence serve`, measured from outside: opens STREAMS
// concurrent streams on /api/v1/events (one epoll loop, so the client adds
// little delay of its own), then commits EVENTS status events through libpq,
// RATE per second (one job created per transaction), and measures for every
// stream and event the time from the event's timestamp (taken inside the
// committing transaction) to its arrival, and from the commit (the return of the
// autocommit statement that created the job) to its arrival. Prints one
// tab-separated line: streams, p50, p99, max (ms) from the event's timestamp,
// received/expected, gateway KiB per stream (RSS growth while the streams opened /
// streams), gateway CPU (ms per second), then p50, p99, max from the commit.
//
// Usage: cadence_sse_bench HOST PORT GATEWAY_PID STREAMS EVENTS RATE DSN
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/instant.hpp"

namespace {

using Clock = std::chrono::system_clock;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "cadence_sse_bench: %s\n", what.c_str());
    std::exit(1);
}

long rss_kib(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

long cpu_ticks(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(all.substr(all.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14) utime = std::atol(field.c_str());
        if (i == 15) { stime = std::atol(field.c_str()); break; }
    }
    return utime + stime;
}

struct Stream {
    int fd = -1;
    std::string buffer;
    bool open = false;  // the response headers arrived
};

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 8) fail("usage: cadence_sse_bench HOST PORT GATEWAY_PID STREAMS EVENTS RATE DSN");
    const char* host = argv[1];
    int port = std::atoi(argv[2]);
    int gateway = std::atoi(argv[3]);
    int streams = std::atoi(argv[4]);
    int events = std::atoi(argv[5]);
    double rate = std::atof(argv[6]);
    const char* dsn = argv[7];

    long rss_before = rss_kib(gateway);
    int epoll = epoll_create1(0);
    std::vector<Stream> all(streams);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) fail("HOST must be an IPv4 address");
    std::string request = std::string("GET /api/v1/events HTTP/1.1\r\nHost: ") + host +
                          "\r\nAccept: text/event-stream\r\n\r\n";
    for (int i = 0; i < streams; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
            fail("connect: " + std::string(std::strerror(errno)));
        if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size()))
            fail("write: " + std::string(std::strerror(errno)));
        all[i].fd = fd;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u32 = static_cast<uint32_t>(i);
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
    }

    std::vector<double> delays_ms;
    delays_ms.reserve(static_cast<size_t>(streams) * events);
    std::vector<double> commit_delays_ms;
    commit_delays_ms.reserve(static_cast<size_t>(streams) * events);
    std::unordered_map<long long, Clock::time_point> committed;  // job id -> its commit's return
    int opened = 0;
    std::vector<epoll_event> ready(1024);
    char chunk[65536];
    // Reads whatever is ready within `ms` milliseconds.
    auto pump = [&](int ms) {
        int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), ms);
        auto now = Clock::now();
        for (int k = 0; k < n; ++k) {
            Stream& s = all[ready[k].data.u32];
            ssize_t got = read(s.fd, chunk, sizeof(chunk));
            if (got <= 0) fail("a stream closed");
            s.buffer.append(chunk, static_cast<size_t>(got));
            if (!s.open) {
                size_t end = s.buffer.find("\r\n\r\n");
                if (end == std::string::npos) continue;
                if (s.buffer.compare(0, 12, "HTTP/1.1 200") != 0) fail("stream answered " + s.buffer.substr(0, 40));
                s.open = true;
                ++opened;
                s.buffer.erase(0, end + 4);
            }
            size_t end;
            while ((end = s.buffer.find("\n\n")) != std::string::npos) {
                size_t at = s.buffer.find("\"at\":\"");
                if (at != std::string::npos && at < end) {
                    size_t close = s.buffer.find('"', at + 6);
                    auto when = cadence::core::parse_instant(s.buffer.substr(at + 6, close - at - 6), "at");
                    delays_ms.push_back(std::chrono::duration<double, std::milli>(now - when).count());
                }
                size_t job = s.buffer.find("\"job_id\":");
                if (job != std::string::npos && job < end) {
                    auto it = committed.find(std::atoll(s.buffer.c_str() + job + 9));
                    if (it != committed.end())
                        commit_delays_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
                }
                s.buffer.erase(0, end + 2);
            }
        }
    };
    for (auto deadline = Clock::now() + std::chrono::seconds(30); opened < streams;) {
        if (Clock::now() > deadline) fail("streams did not open");
        pump(100);
    }
    for (auto settle = Clock::now() + std::chrono::milliseconds(500); Clock::now() < settle;) pump(50);
    long rss_after = rss_kib(gateway);

    PGconn* conn = PQconnectdb(dsn);
    if (PQstatus(conn) != CONNECTION_OK) fail(PQerrorMessage(conn));
    long cpu_before = cpu_ticks(gateway);
    auto started = Clock::now();
    for (int i = 0; i < events; ++i) {
        auto due = started + std::chrono::microseconds(static_cast<long>((i + 1) * 1e6 / rate));
        std::string sql = "SELECT cadence.create_job('sse bench " + std::to_string(i) +
                          "', cadence.once(now() + interval '1 day'))";
        PGresult* r = PQexec(conn, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK) fail(PQerrorMessage(conn));
        // Arrivals are read after this, so what came during the statement counts from here.
        committed[std::atoll(PQgetvalue(r, 0, 0))] = Clock::now();
        PQclear(r);
        while (Clock::now() < due) pump(static_cast<int>(std::max<long>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count())));
    }
    size_t expected = static_cast<size_t>(streams) * events;
    for (auto deadline = Clock::now() + std::chrono::seconds(10);
         delays_ms.size() < expected && Clock::now() < deadline;)
        pump(50);
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    double cpu_ms = (cpu_ticks(gateway) - cpu_before) * 1000.0 / sysconf(_SC_CLK_TCK);
    PQfinish(conn);

    std::sort(delays_ms.begin(), delays_ms.end());
    std::sort(commit_delays_ms.begin(), commit_delays_ms.end());
    std::printf("%d\t%.2f\t%.2f\t%.2f\t%zu/%zu\t%.1f\t%.0f\t%.2f\t%.2f\t%.2f\n", streams, percentile(delays_ms, 0.5),
                percentile(delays_ms, 0.99), delays_ms.empty() ? 0.0 : delays_ms.back(),
                delays_ms.size(), expected, static_cast<double>(rss_after - rss_before) / streams,
                cpu_ms / seconds, percentile(commit_delays_ms, 0.5), percentile(commit_delays_ms, 0.99),
                commit_delays_ms.empty() ? 0.0 : commit_delays_ms.back());
    return 0;
}
