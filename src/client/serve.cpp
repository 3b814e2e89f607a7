#include "client/serve.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>
#include <csignal>
#include <iostream>

#include "client/api_routes.hpp"
#include "client/connection.hpp"
#include "client/http_server.hpp"
#include "client/metrics.hpp"
#include "core/error.hpp"
#include "core/instant.hpp"
#include "client/pg_pool.hpp"
#include "client/static_files.hpp"
#include "client/status_hub.hpp"
#include "client/serve_http.hpp"

namespace cadence::client {

namespace asio = boost::asio;

int run_serve(const ServeOptions& options) {
    auto listen = serve::parse_listen(options.listen);
    if (!listen)
        throw ClientError("invalid --listen \"" + options.listen +
                          "\": expected HOST:PORT such as 127.0.0.1:8080");
    if (options.pool < 1 || options.pool > 64)
        throw ClientError("invalid --pool " + std::to_string(options.pool) +
                          ": expected 1 to 64 connections");
    if (options.keepalive_seconds < 1 || options.keepalive_seconds > 3600)
        throw ClientError("invalid --keepalive " + std::to_string(options.keepalive_seconds) +
                          ": expected 1 to 3600 seconds");
    std::signal(SIGPIPE, SIG_IGN);  // a vanished client is a write error, not a signal

    asio::io_context io(1);
    boost::system::error_code error;
    auto address = asio::ip::make_address(listen->host, error);
    asio::ip::tcp::endpoint endpoint;
    if (error) {
        // A host name: take its first address.
        asio::ip::tcp::resolver resolver(io);
        auto results = resolver.resolve(listen->host, std::to_string(listen->port), error);
        if (error || results.empty())
            throw ClientError("cannot resolve --listen host \"" + listen->host + "\": " +
                              error.message());
        endpoint = results.begin()->endpoint();
    } else {
        endpoint = asio::ip::tcp::endpoint(address, listen->port);
    }

    PgPool pool(io, options.dsn, options.pool);
    StatusHub hub(io, pool, options.dsn);
    ApiRoutes api(pool);
    GatewayMetrics metrics(pool, hub);
    hub.set_delivery_observer([&metrics](const std::vector<core::StatusEvent>& events) {
        auto now = std::chrono::system_clock::now();
        for (const auto& e : events) {
            try {
                metrics.observe_publication_lag(now - core::parse_instant(e.at, "event time"));
            } catch (const core::Error&) {
                // Not a time: nothing to measure.
            }
        }
    });
    StaticFiles files(options.static_dir);
    std::optional<HttpServer> server;
    try {
        server.emplace(io, endpoint, ServerContext{pool, hub, api, metrics, files, options.token,
                                                          std::chrono::seconds(options.keepalive_seconds)});
    } catch (const boost::system::system_error& e) {
        throw ClientError("cannot listen on " + options.listen + ": " + e.code().message());
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& e, int signal) {
        if (e) return;
        std::cerr << "cadence serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                  << ", shutting down\n";
        server->stop();
        hub.stop();  // closes every stream
        io.stop();
    });

    hub.start();
    metrics.start();
    server->start();
    std::cerr << "cadence serve: listening on http://" << options.listen << " (static files from "
              << files.root() << (options.token ? ", bearer token required" : "") << ")\n";
    io.run();
    pool.stop();
    return 0;
}

}  // namespace cadence::client
