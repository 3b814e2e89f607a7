#include "client/serve_http.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/job_state.hpp"

namespace cadence::client::serve {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return parts;
}

std::optional<std::int64_t> parse_digits(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9') return std::nullopt;
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0') return std::nullopt;
            out.push_back(decoded);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<Target> parse_target(std::string_view target) {
    Target result;
    auto question = target.find('?');
    auto path = percent_decode(target.substr(0, question), false);
    if (!path) return std::nullopt;
    result.path = *path;
    if (question == std::string_view::npos) return result;
    for (auto pair : split(target.substr(question + 1), '&')) {
        if (pair.empty()) continue;
        auto equals = pair.find('=');
        auto key = percent_decode(pair.substr(0, equals), true);
        auto value = percent_decode(
            equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
        if (!key || !value) return std::nullopt;
        result.query[*key] = *value;
    }
    return result;
}

std::optional<std::int64_t> parse_job_id(std::string_view text) {
    auto value = parse_digits(text);
    if (!value || *value <= 0) return std::nullopt;
    return value;
}

std::optional<int> parse_limit(const std::optional<std::string>& text) {
    if (!text) return default_limit;
    auto value = parse_digits(*text);
    if (!value || *value < 1 || *value > max_limit) return std::nullopt;
    return static_cast<int>(*value);
}

std::optional<ListCursor> parse_list_cursor(std::string_view text) {
    auto parts = split(text, '.');
    if (parts.size() != 3) return std::nullopt;
    auto group = parse_digits(parts[0]);
    auto changed = parse_digits(parts[1]);
    auto job = parse_digits(parts[2]);
    if (!group || *group > 3 || !changed || !job || *job < 1) return std::nullopt;
    return ListCursor{static_cast<int>(*group), *changed, *job};
}

std::optional<std::string> parse_id_list(std::string_view text) {
    auto parts = split(text, ',');
    if (parts.empty() || parts.size() > static_cast<std::size_t>(max_limit)) return std::nullopt;
    std::string array = "{";
    for (auto part : parts) {
        auto id = parse_job_id(part);
        if (!id) return std::nullopt;
        array += (array.size() > 1 ? "," : "") + std::to_string(*id);
    }
    return array + "}";
}

std::optional<std::int64_t> parse_event_id(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return parse_digits(text);
}

Route match_route(std::string_view path) {
    constexpr std::string_view prefix = "/api/v1/";
    if (!path.starts_with(prefix)) return {};
    auto parts = split(path.substr(prefix.size()), '/');
    if (parts.size() == 1 && parts[0] == "jobs") return {RouteKind::jobs, 0};
    if (parts.size() == 1 && parts[0] == "events") return {RouteKind::events, 0};
    if (parts.size() == 1 && parts[0] == "status") return {RouteKind::status, 0};
    if (parts.size() == 1 && parts[0] == "counts") return {RouteKind::counts, 0};
    if (parts.size() == 1 && parts[0] == "workers") return {RouteKind::workers, 0};
    if (parts.size() == 1 && parts[0] == "openapi.json") return {RouteKind::openapi, 0};
    if (parts[0] != "jobs" || parts.size() < 2 || parts.size() > 3) return {};
    RouteKind kind = RouteKind::job;
    if (parts.size() == 3) {
        if (parts[2] == "$stream") kind = RouteKind::job_stream;
        else if (parts[2] == "run") kind = RouteKind::job_run;
        else if (parts[2] == "cancel") kind = RouteKind::job_cancel;
        else if (parts[2] == "pause") kind = RouteKind::job_pause;
        else if (parts[2] == "resume") kind = RouteKind::job_resume;
        else return {};
    }
    auto id = parse_job_id(parts[1]);
    if (!id) return {RouteKind::bad_id, 0};
    return {kind, *id};
}

const std::vector<RouteTemplate>& route_templates() {
    static const std::vector<RouteTemplate> routes{
        {"/api/v1/jobs", RouteKind::jobs, {"get", "post"}},
        {"/api/v1/jobs/{id}", RouteKind::job, {"get", "patch", "delete"}},
        {"/api/v1/jobs/{id}/run", RouteKind::job_run, {"post"}},
        {"/api/v1/jobs/{id}/cancel", RouteKind::job_cancel, {"post"}},
        {"/api/v1/jobs/{id}/pause", RouteKind::job_pause, {"post"}},
        {"/api/v1/jobs/{id}/resume", RouteKind::job_resume, {"post"}},
        {"/api/v1/jobs/{id}/$stream", RouteKind::job_stream, {"get"}},
        {"/api/v1/events", RouteKind::events, {"get"}},
        {"/api/v1/counts", RouteKind::counts, {"get"}},
        {"/api/v1/workers", RouteKind::workers, {"get"}},
        {"/api/v1/status", RouteKind::status, {"get"}},
        {"/api/v1/openapi.json", RouteKind::openapi, {"get"}},
    };
    return routes;
}

int http_status_for_sqlstate(std::string_view sqlstate) {
    if (sqlstate.empty() || sqlstate.starts_with("08") || sqlstate == "57P01" ||
        sqlstate == "57P02" || sqlstate == "57P03")
        return 503;  // connection trouble, the server shutting down or starting
    if (sqlstate == "42704") return 404;
    if (sqlstate == "55000") return 409;
    // Bad input (class 22: a value, a null, a format), input past a limit (54000),
    // a name reserved (42939): the request's fault.
    if (sqlstate.starts_with("22") || sqlstate == "54000" || sqlstate == "42939") return 400;
    if (sqlstate == "42501") return 403;
    return 500;
}

std::string error_body(std::string_view message) {
    return "{\"detail\":" + json_quote(message) + "}";
}

std::string content_type_for(std::string_view name) {
    static const std::pair<std::string_view, std::string_view> types[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    for (auto [ext, type] : types)
        if (name.ends_with(ext)) return std::string(type);
    return "application/octet-stream";
}

std::string status_names_script() {
    auto array = [](auto names) {
        std::string out = "Object.freeze([";
        for (std::string_view name : names) out += (out.back() == '[' ? "" : ", ") + json_quote(name);
        return out + "])";
    };
    std::vector<std::string_view> statuses, ends;
    for (std::size_t i = 0; i < core::event_names.size(); ++i) {
        if (core::parse_status(core::event_names[i])) statuses.push_back(core::event_names[i]);
        if (core::ends_job_stream(core::event_names[i])) ends.push_back(core::event_names[i]);
    }
    return "// Generated by cadence serve from src/core/job_state.hpp: the names the extension writes.\n"
           "const CADENCE_STATUSES = " + array(statuses) + ";\n"
           "const CADENCE_EVENTS = " + array(core::event_names) + ";\n"
           "const CADENCE_DELETED = " + json_quote(core::deleted_status) + ";\n"
           "const CADENCE_JOB_STREAM_ENDS = " + array(ends) + ";\n";
}

std::optional<std::string> static_file_for(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    if (path == "/") return "index.html";
    std::string_view rest = path.substr(1);
    for (char c : rest)
        if (c == '\\' || c == '\0') return std::nullopt;
    for (auto segment : split(rest, '/')) {
        // Empty, "." and ".." segments and hidden files are refused outright.
        if (segment.empty() || segment.front() == '.') return std::nullopt;
    }
    return std::string(rest);
}

std::optional<ListenAddress> parse_listen(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
    }
    auto port = parse_digits(text.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) return std::nullopt;
    return ListenAddress{std::string(host), static_cast<unsigned short>(*port)};
}

bool same_secret(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
    return diff == 0;
}

}  // namespace cadence::client::serve
