#include "core/cron_expr.hpp"

#include <cctype>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

namespace {

constexpr std::array<std::string_view, 12> month_names = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> weekday_names = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

enum class Field { second, minute, hour, day_of_month, month, day_of_week };

struct FieldRule {
    std::string_view name;
    int min;
    int max;  // day of week accepts 7 as another Sunday
};

constexpr FieldRule rule_of(Field field) {
    switch (field) {
    case Field::second: return {"second", 0, 59};
    case Field::minute: return {"minute", 0, 59};
    case Field::hour: return {"hour", 0, 23};
    case Field::day_of_month: return {"day of month", 1, 31};
    case Field::month: return {"month", 1, 12};
    case Field::day_of_week: return {"day of week", 0, 7};
    }
    return {"field", 0, 0};
}

// Parses one cron expression, remembering its text for messages.
class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    [[noreturn]] void fail(const std::string& why) const {
        throw Error(ErrorKind::invalid_parameter,
                    "invalid cron expression \"" + std::string(text_) + "\": " + why);
    }

    CronExpr parse() {
        std::vector<std::string_view> fields = split(text_);
        if (!fields.empty() && fields[0].starts_with('@')) {
            if (fields.size() != 1) fail("a macro such as " + std::string(fields[0]) + " stands alone");
            return parse_macro(fields[0]);
        }
        if (fields.size() != 5 && fields.size() != 6) {
            fail("expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with "
                 "a leading second), found " + std::to_string(fields.size()));
        }
        CronExpr expr;
        expr.has_seconds_field = fields.size() == 6;
        size_t i = 0;
        if (expr.has_seconds_field) {
            parse_field(Field::second, fields[i++], expr);
        } else {
            expr.seconds.set(0);
        }
        parse_field(Field::minute, fields[i++], expr);
        std::string_view hour = fields[i];
        expr.every_hour_occurrence = hour == "*" || hour.find('/') != std::string_view::npos;
        parse_field(Field::hour, fields[i++], expr);
        parse_field(Field::day_of_month, fields[i++], expr);
        parse_field(Field::month, fields[i++], expr);
        parse_field(Field::day_of_week, fields[i++], expr);

        for (size_t f = 0; f < fields.size(); ++f) {
            if (f > 0) expr.text += ' ';
            expr.text += fields[f];
        }
        if (!can_ever_fire(expr)) {
            fail("it can never fire: no date matches its day-of-month, month and day-of-week "
                 "fields");
        }
        return expr;
    }

private:
    CronExpr parse_macro(std::string_view macro) {
        CronExpr expr = Parser(expand_macro(macro)).parse();
        expr.text = std::string(macro);
        return expr;
    }

    static std::vector<std::string_view> split(std::string_view s) {
        std::vector<std::string_view> parts;
        size_t i = 0;
        while (i < s.size()) {
            while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
            size_t start = i;
            while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
            if (i > start) parts.push_back(s.substr(start, i - start));
        }
        return parts;
    }

    std::string_view expand_macro(std::string_view macro) const {
        std::string lower;
        for (char c : macro) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
        if (lower == "@monthly") return "0 0 1 * *";
        if (lower == "@weekly") return "0 0 * * 0";
        if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
        if (lower == "@hourly") return "0 * * * *";
        fail("unknown macro \"" + std::string(macro) +
             "\" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)");
    }

    static std::string upper(std::string_view s) {
        std::string out;
        for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return out;
    }

    // A number or, in the month and day-of-week fields, a three-letter name.
    int parse_value(Field field, std::string_view token) const {
        FieldRule rule = rule_of(field);
        if (token.empty()) fail(std::string("missing value in the ") + std::string(rule.name) + " field");
        if (std::isalpha(static_cast<unsigned char>(token[0]))) {
            std::string name = upper(token);
            if (field == Field::month) {
                for (size_t i = 0; i < month_names.size(); ++i)
                    if (name == month_names[i]) return static_cast<int>(i) + 1;
                fail("unknown month name \"" + std::string(token) + "\" (expected JAN-DEC)");
            }
            if (field == Field::day_of_week) {
                for (size_t i = 0; i < weekday_names.size(); ++i)
                    if (name == weekday_names[i]) return static_cast<int>(i);
                fail("unknown day-of-week name \"" + std::string(token) + "\" (expected SUN-SAT)");
            }
            fail(std::string(rule.name) + " \"" + std::string(token) + "\" is not a number");
        }
        int value = 0;
        for (char c : token) {
            if (!std::isdigit(static_cast<unsigned char>(c)))
                fail(std::string(rule.name) + " \"" + std::string(token) + "\" is not a number");
            value = value * 10 + (c - '0');
            if (value > 1000) break;  // out of range anyway; no overflow
        }
        if (value < rule.min || value > rule.max) {
            fail(std::string(rule.name) + " " + std::string(token) + " is out of range " +
                 std::to_string(rule.min) + "-" + std::to_string(rule.max));
        }
        return value;
    }

    int parse_step(Field field, std::string_view token) const {
        FieldRule rule = rule_of(field);
        int span = (field == Field::day_of_week ? 6 : rule.max) - rule.min;
        std::string what = std::string(rule.name) + " step";
        if (token.empty()) fail("missing " + what + " after /");
        int value = 0;
        for (char c : token) {
            if (!std::isdigit(static_cast<unsigned char>(c)))
                fail(what + " \"" + std::string(token) + "\" is not a number");
            value = value * 10 + (c - '0');
            if (value > 1000) break;
        }
        if (value < 1 || value > span) {
            fail(what + " " + std::string(token) + " is out of range 1-" + std::to_string(span));
        }
        return value;
    }

    void set(Field field, CronExpr& expr, int value) const {
        switch (field) {
        case Field::second: expr.seconds.set(value); break;
        case Field::minute: expr.minutes.set(value); break;
        case Field::hour: expr.hours.set(value); break;
        case Field::day_of_month: expr.days_of_month.set(value); break;
        case Field::month: expr.months.set(value); break;
        case Field::day_of_week: expr.days_of_week.set(value % 7); break;
        }
    }

    void parse_item(Field field, std::string_view item, CronExpr& expr) const {
        FieldRule rule = rule_of(field);
        bool day_field = field == Field::day_of_month || field == Field::day_of_week;
        if (item.empty()) fail("empty list item in the " + std::string(rule.name) + " field");

        if (item == "L" || item == "l") {
            if (field != Field::day_of_month)
                fail("L (last day of the month) is only allowed in the day-of-month field");
            expr.last_day_of_month = true;
            return;
        }
        if (size_t hash = item.find('#'); hash != std::string_view::npos) {
            if (field != Field::day_of_week)
                fail("# (nth weekday) is only allowed in the day-of-week field");
            int weekday = parse_value(field, item.substr(0, hash)) % 7;
            std::string_view nth = item.substr(hash + 1);
            if (nth.size() != 1 || nth[0] < '1' || nth[0] > '5')
                fail("\"" + std::string(item) + "\": the n in weekday#n must be 1-5");
            expr.nth_weekday[weekday].set(nth[0] - '0');
            return;
        }

        std::string_view range = item;
        int step = 1;
        bool stepped = false;
        if (size_t slash = item.find('/'); slash != std::string_view::npos) {
            range = item.substr(0, slash);
            step = parse_step(field, item.substr(slash + 1));
            stepped = true;
        }
        int low;
        int high;
        int top = field == Field::day_of_week ? 6 : rule.max;
        if (range == "*" || (range == "?" && day_field)) {
            low = rule.min;
            high = top;
        } else if (range == "?") {
            fail("? is only allowed in the day-of-month and day-of-week fields");
        } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
            low = parse_value(field, range.substr(0, dash));
            high = parse_value(field, range.substr(dash + 1));
            if (low > high) {
                fail(std::string(rule.name) + " range " + std::string(range) +
                     " is backwards (write it as two ranges, e.g. 22-23,0-2)");
            }
        } else {
            low = parse_value(field, range);
            high = stepped ? top : low;  // "a/s" means a, a+s, ... up to the maximum
        }
        for (int v = low; v <= high; v += step) set(field, expr, v);
    }

    void parse_field(Field field, std::string_view text, CronExpr& expr) const {
        if (field == Field::day_of_month) expr.day_of_month_star = text[0] == '*' || text[0] == '?';
        if (field == Field::day_of_week) expr.day_of_week_star = text[0] == '*' || text[0] == '?';
        size_t start = 0;
        while (true) {
            size_t comma = text.find(',', start);
            parse_item(field, text.substr(start, comma - start), expr);
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
    }

    // The Gregorian calendar repeats every 400 years: a day pattern that matches
    // nothing in one cycle matches nothing ever.
    static bool can_ever_fire(const CronExpr& expr) {
        cctz::civil_day day(2000, 1, 1);
        const cctz::civil_day end(2400, 1, 1);
        for (; day < end; ++day) {
            if (expr.matches_day(day)) return true;
        }
        return false;
    }

    std::string_view text_;
};

int weekday_index(const cctz::civil_day& day) {
    switch (cctz::get_weekday(day)) {
    case cctz::weekday::sunday: return 0;
    case cctz::weekday::monday: return 1;
    case cctz::weekday::tuesday: return 2;
    case cctz::weekday::wednesday: return 3;
    case cctz::weekday::thursday: return 4;
    case cctz::weekday::friday: return 5;
    case cctz::weekday::saturday: return 6;
    }
    return 0;
}

}  // namespace

bool CronExpr::matches_day(const cctz::civil_day& day) const {
    if (!months[day.month()]) return false;
    int dom = day.day();
    bool is_last = cctz::civil_day(day + 1).day() == 1;
    bool dom_match = days_of_month[dom] || (last_day_of_month && is_last);
    int weekday = weekday_index(day);
    bool dow_match = days_of_week[weekday] || nth_weekday[weekday][(dom - 1) / 7 + 1];
    // Vixie cron: if either day field starts with *, both must match; else either.
    if (day_of_month_star || day_of_week_star) return dom_match && dow_match;
    return dom_match || dow_match;
}

bool CronExpr::matches(const cctz::civil_second& t) const {
    return seconds[t.second()] && minutes[t.minute()] && hours[t.hour()] &&
           matches_day(cctz::civil_day(t));
}

CronExpr parse_cron(std::string_view text) { return Parser(text).parse(); }

}  // namespace cadence::core
