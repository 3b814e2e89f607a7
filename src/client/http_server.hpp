// The HTTP side of `cadence serve` (Boost.Beast on one io_context): accepts
// connections, checks the bearer token, routes /api/v1 requests to the REST
// handlers or hands the socket to an SSE stream, and serves the static page.
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>

#include "client/api_routes.hpp"
#include "client/metrics.hpp"
#include "client/pg_pool.hpp"
#include "client/static_files.hpp"
#include "client/status_hub.hpp"

namespace cadence::client {

struct ServerContext {
    PgPool& pool;
    StatusHub& hub;
    ApiRoutes& api;
    GatewayMetrics& metrics;
    StaticFiles& files;
    std::optional<std::string> token;
    std::chrono::seconds keepalive;  // period of the streams' keepalive comments
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint,
               ServerContext context);
    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
    void accept();

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    ServerContext context_;
};

}  // namespace cadence::client
