#include "core/queue_limits.hpp"

#include "core/input_limits.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {

constexpr int max_limit = 10000;

std::string_view trim(std::string_view s) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

[[noreturn]] void refuse(std::string_view entry, const std::string& why) {
    throw Error(ErrorKind::invalid_parameter,
                "queue limit \"" + std::string(entry) + "\" " + why,
                {}, "Write queue=limit pairs separated by commas, for example \"reports=2, mail=1\".");
}

}  // namespace

std::vector<QueueLimit> parse_queue_limits(std::string_view text) {
    std::vector<QueueLimit> limits;
    if (trim(text).empty()) return limits;
    size_t start = 0;
    for (;;) {
        size_t comma = text.find(',', start);
        std::string_view entry = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        size_t equals = entry.find('=');
        if (equals == std::string_view::npos) refuse(entry, "has no '='");
        std::string_view queue = trim(entry.substr(0, equals));
        std::string_view number = trim(entry.substr(equals + 1));
        if (queue.empty()) refuse(entry, "names no queue");
        if (queue.size() > max_queue_name_bytes)
            refuse(entry, "names a queue longer than " + std::to_string(max_queue_name_bytes) + " bytes");
        int limit = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), limit);
        if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
            limit < 1 || limit > max_limit)
            refuse(entry, "must give a whole number of runs from 1 to 10000");
        bool seen = std::any_of(limits.begin(), limits.end(),
                                [&](const QueueLimit& l) { return l.queue == queue; });
        if (seen) refuse(entry, "names queue \"" + std::string(queue) + "\" a second time");
        limits.push_back(QueueLimit{std::string(queue), limit});
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return limits;
}

}  // namespace cadence::core
