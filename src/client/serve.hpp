// `cadence serve`: the HTTP gateway (REST API, SSE streams, the jobs page).
#pragma once

#include <optional>
#include <string>

namespace cadence::client {

struct ServeOptions {
    std::string listen = "127.0.0.1:8080";
    std::string dsn;
    std::optional<std::string> token;
    std::string static_dir;
    int pool = 4;
    int keepalive_seconds = 15;  // ": keepalive" comment period on every stream
};

// Runs until SIGINT or SIGTERM; returns the exit status. Throws ClientError for
// bad options (an unusable --listen, a port in use).
int run_serve(const ServeOptions& options);

}  // namespace cadence::client
