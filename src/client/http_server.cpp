#include "client/http_server.hpp"

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>

#include "client/sse_stream.hpp"
#include "client/serve_http.hpp"

namespace cadence::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using tcp = asio::ip::tcp;

namespace {

// One keep-alive connection: reads requests one after another until the peer
// closes, idles out, or the connection becomes an SSE stream.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, ServerContext& context)
        : stream_(std::move(socket)), context_(context) {}

    void read() {
        parser_.emplace();
        parser_->body_limit(64 * 1024);
        stream_.expires_after(std::chrono::seconds(60));
        auto self = shared_from_this();
        http::async_read(stream_, buffer_, *parser_,
                         [self](beast::error_code error, std::size_t) {
                             if (error) return self->close();
                             self->handle(self->parser_->release());
                         });
    }

private:
    using Request = http::request<http::string_body>;

    void handle(Request request) {
        request_ = std::move(request);
        auto target = serve::parse_target(std::string(request_.target()));
        if (!target) return send(error_reply(400, "malformed request target"));
        auto method = request_.method();
        if (target->path == "/metrics") {
            if (!authorized(*target, false)) return send(error_reply(401, "missing or wrong bearer token"), true);
            if (method != http::verb::get) return send(error_reply(405, "method not allowed; use GET"));
            return context_.metrics.scrape([self = shared_from_this()](HttpReply r) { self->send(std::move(r)); });
        }
        if (!target->path.starts_with("/api/")) {
            if (method != http::verb::get && method != http::verb::head)
                return send(error_reply(405, "only GET is allowed here"));
            return send(context_.files.serve(target->path));
        }
        auto route = serve::match_route(target->path);
        bool streaming = route.kind == serve::RouteKind::job_stream ||
                         route.kind == serve::RouteKind::events;
        // (The API's description is no secret: a client reads it before it has a token.)
        if (route.kind != serve::RouteKind::openapi && !authorized(*target, streaming))
            return send(error_reply(401, "missing or wrong bearer token"), true);
        auto reply = [self = shared_from_this()](HttpReply r) { self->send(std::move(r)); };
        auto only = [&](http::verb allowed) {
            if (method == allowed) return true;
            send(error_reply(405, std::string("method not allowed; use ") +
                                      std::string(http::to_string(allowed))));
            return false;
        };
        switch (route.kind) {
        case serve::RouteKind::jobs:
            if (method == http::verb::get) return context_.api.list_jobs(*target, reply);
            if (method == http::verb::post) return context_.api.write_job(request_.body(), std::nullopt, reply);
            return send(error_reply(405, "method not allowed; use GET or POST"));
        case serve::RouteKind::job:
            if (method == http::verb::get) return context_.api.get_job(route.job_id, reply);
            if (method == http::verb::patch) return context_.api.write_job(request_.body(), route.job_id, reply);
            if (method == http::verb::delete_) return context_.api.delete_job(route.job_id, reply);
            return send(error_reply(405, "method not allowed; use GET, PATCH or DELETE"));
        case serve::RouteKind::job_pause:
            if (only(http::verb::post)) context_.api.pause_job(route.job_id, reply);
            return;
        case serve::RouteKind::job_resume:
            if (only(http::verb::post)) context_.api.resume_job(route.job_id, reply);
            return;
        case serve::RouteKind::job_run:
            if (only(http::verb::post)) context_.api.run_job(route.job_id, reply);
            return;
        case serve::RouteKind::job_cancel:
            if (only(http::verb::post)) context_.api.cancel_job(route.job_id, reply);
            return;
        case serve::RouteKind::job_stream:
        case serve::RouteKind::events:
            if (only(http::verb::get)) start_stream(route, *target);
            return;
        case serve::RouteKind::status:
            if (only(http::verb::get)) send(status_reply());
            return;
        case serve::RouteKind::counts:
            if (only(http::verb::get)) context_.api.counts(reply);
            return;
        case serve::RouteKind::workers:
            if (only(http::verb::get)) context_.api.workers(reply);
            return;
        case serve::RouteKind::openapi:
            if (only(http::verb::get)) send(HttpReply{200, serve::openapi_document, "application/json"});
            return;
        case serve::RouteKind::bad_id:
            return send(error_reply(400, "invalid job id: expected a positive integer"));
        case serve::RouteKind::not_found:
            return send(error_reply(404, "no such endpoint: " + target->path));
        }
    }

    // The gateway itself: whether it listens, its streams, and the notifications
    // it dropped because another process than pg_cadence's publisher sent them.
    HttpReply status_reply() const {
        auto publisher = context_.hub.publisher_pid();
        return HttpReply{200,
                         std::string("{\"listening\":") + (context_.hub.listening() ? "true" : "false") +
                             ",\"streams\":" + std::to_string(context_.hub.subscribers()) +
                             ",\"publisher_pid\":" + (publisher ? std::to_string(*publisher) : "null") +
                             ",\"forged_notifications\":" + std::to_string(context_.hub.forged()) +
                             ",\"resyncs\":" + std::to_string(context_.hub.resyncs()) + "}"};
    }

    // With --token: "Authorization: Bearer TOKEN", or ?access_token=TOKEN on the
    // stream URLs (an EventSource cannot set headers).
    bool authorized(const serve::Target& target, bool streaming) const {
        if (!context_.token) return true;
        auto field = request_[http::field::authorization];
        std::string_view header(field.data(), field.size());
        constexpr std::string_view bearer = "Bearer ";
        if (header.starts_with(bearer) &&
            serve::same_secret(header.substr(bearer.size()), *context_.token))
            return true;
        if (streaming) {
            auto it = target.query.find("access_token");
            if (it != target.query.end() && serve::same_secret(it->second, *context_.token))
                return true;
        }
        return false;
    }

    void start_stream(const serve::Route& route, const serve::Target& target) {
        StreamRequest stream;
        if (route.kind == serve::RouteKind::job_stream) stream.job_id = route.job_id;
        if (auto it = target.query.find("follow"); it != target.query.end())
            stream.follow = it->second == "true" || it->second == "1";
        if (auto it = target.query.find("queue"); it != target.query.end() && !it->second.empty())
            stream.queue = it->second;
        auto last_field = request_["Last-Event-ID"];
        std::string_view last(last_field.data(), last_field.size());
        if (!last.empty() && stream.job_id) {
            // A job's events commit in id order: its last event id is its position.
            stream.last_event_id = serve::parse_event_id(last);
            if (!stream.last_event_id)
                return send(error_reply(400, "invalid Last-Event-ID: expected an event id"));
        } else if (!last.empty()) {
            while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
            while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
            stream.position = StreamPosition::parse(last);
            if (!stream.position)
                return send(error_reply(400, "invalid Last-Event-ID: expected a stream position such as "
                                             "\"120+\" or \"120+122-125\" (or an event id)"));
        }
        stream_.expires_never();
        auto sse = std::make_shared<SseStream>(stream_.release_socket(), context_.pool,
                                               context_.hub, std::move(stream), context_.keepalive);
        sse->start();
    }

    void send(HttpReply reply, bool challenge = false) {
        auto response = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(reply.status), request_.version());
        response->set(http::field::server, "cadence-serve");
        if (!reply.content_type.empty())
            response->set(http::field::content_type, reply.content_type);
        if (challenge) response->set(http::field::www_authenticate, "Bearer");
        if (request_.method() == http::verb::head) {
            response->content_length(reply.body.size());
        } else {
            response->body() = std::move(reply.body);
            response->prepare_payload();
        }
        response->keep_alive(request_.keep_alive());
        auto self = shared_from_this();
        http::async_write(stream_, *response,
                          [self, response](beast::error_code error, std::size_t) {
                              if (error || !response->keep_alive()) return self->close();
                              self->read();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    ServerContext& context_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Request request_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, tcp::endpoint endpoint, ServerContext context)
    : io_(io), acceptor_(io), context_(context) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void HttpServer::start() { accept(); }

void HttpServer::stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
}

void HttpServer::accept() {
    acceptor_.async_accept([this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) return;
        if (!error) {
            // Small messages that must leave at once (SSE events, short replies): Nagle's
            // algorithm would hold one while the previous one waits for a delayed ACK.
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<Session>(std::move(socket), context_)->read();
        }
        else std::cerr << "cadence serve: accept: " << error.message() << '\n';
        accept();
    });
}

}  // namespace cadence::client
