// Pure pieces of `cadence serve`'s HTTP side: request targets, ids, limits, the
// mapping of PostgreSQL errors to HTTP statuses, static file names. No I/O here,
// so all of it is unit-tested (test/unit/serve_http_test.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_text.hpp"

namespace cadence::client::serve {

// A request target split into its decoded path and query parameters.
struct Target {
    std::string path;
    std::map<std::string, std::string> query;  // a repeated key keeps its last value
};

// Splits "/a/b?x=1&y=%20" into path and parameters, percent-decoding both ('+' is a
// space in the query). nullopt for a malformed escape.
std::optional<Target> parse_target(std::string_view target);

// Percent-decoding; nullopt on a bad escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// A job id: a positive decimal integer that fits a bigint, nothing else.
std::optional<std::int64_t> parse_job_id(std::string_view text);

// The `limit` parameter: absent -> 100; 1..1000 accepted; anything else nullopt.
inline constexpr int default_limit = 100;
inline constexpr int max_limit = 1000;
std::optional<int> parse_limit(const std::optional<std::string>& text);

// Where a page of the job list ends, as `after=` takes it and `next` gives it:
// "list_group.changed_at.job_id", changed_at in microseconds since 1970 (exact,
// so that a page starts right after the row the previous one ended with).
struct ListCursor {
    int list_group = 0;
    std::int64_t changed_at_us = 0;
    std::int64_t job_id = 0;
    bool operator==(const ListCursor&) const = default;
};
std::optional<ListCursor> parse_list_cursor(std::string_view text);

// The `ids` parameter: comma-separated job ids (at most max_limit), as a bigint[]
// literal ("{1,2,3}"); nullopt when malformed or too many.
std::optional<std::string> parse_id_list(std::string_view text);

// A Last-Event-ID header: a non-negative event id, nullopt when malformed.
std::optional<std::int64_t> parse_event_id(std::string_view text);

// Which API route a path names (after "/api/v1").
enum class RouteKind {
    jobs, job, job_stream, job_run, job_cancel, job_pause, job_resume, events, status, counts, workers, openapi,
    not_found, bad_id
};

// The OpenAPI 3 document of these routes (src/client/api/openapi.json, compiled in).
extern const char* const openapi_document;

// Every route as the OpenAPI document writes its path ({id} for a job id), with the
// methods it answers: the router's own list, which a unit test holds the document to.
struct RouteTemplate {
    const char* path;
    RouteKind kind;
    std::vector<const char*> methods;  // lower case, as OpenAPI names them
};
const std::vector<RouteTemplate>& route_templates();
struct Route {
    RouteKind kind = RouteKind::not_found;
    std::int64_t job_id = 0;
};
// The path must start with "/api/v1/"; `method` decides nothing here (see api_routes).
Route match_route(std::string_view path);

// HTTP status for a PostgreSQL SQLSTATE (empty: the connection failed -> 503).
int http_status_for_sqlstate(std::string_view sqlstate);

// {"detail": message} with the message JSON-escaped.
std::string error_body(std::string_view message);

// A JSON string literal (quotes included), invalid UTF-8 replaced.
using core::json_quote;  // see core/json_text.hpp

// Content-Type by file extension; application/octet-stream when unknown.
std::string content_type_for(std::string_view file_name);

// The page's copy of the names (served as /status-names.js, not a file): the
// statuses, every event name and those that end a job's stream, from
// core/job_state.hpp, so that the page cannot drift from the extension.
inline constexpr std::string_view status_names_path = "/status-names.js";
std::string status_names_script();

// The relative file a static request names: "/" -> "index.html", "/app.js" ->
// "app.js". nullopt for anything that could leave the directory (".." segments,
// backslashes, NUL) or name a hidden file.
std::optional<std::string> static_file_for(std::string_view path);

// "--listen" as host and port: "127.0.0.1:8080", "[::1]:8080", "localhost:80".
struct ListenAddress {
    std::string host;
    unsigned short port = 0;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

// Constant-time comparison for the bearer token.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace cadence::client::serve
