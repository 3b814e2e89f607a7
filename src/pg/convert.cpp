#include "pg/convert.hpp"

#include "core/error.hpp"
#include "pg/boundary.hpp"

namespace cadence::pg {

namespace {

// PostgreSQL counts from 2000-01-01, the core from 1970-01-01.
constexpr int64_t postgres_epoch_unix_micros =
    int64_t(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

std::string interval_text(const Interval* interval) {
    const char* text = pg_guard([&]() noexcept {
        return DatumGetCString(DirectFunctionCall1(interval_out, PointerGetDatum(interval)));
    });
    return text;
}

}  // namespace

core::Instant to_instant(TimestampTz t, const char* what) {
    if (TIMESTAMP_NOT_FINITE(t))
        throw core::Error(core::ErrorKind::invalid_parameter,
                          std::string(what) + " must be a finite timestamp, not " +
                              (TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity"));
    if (t < core::min_unix_micros - postgres_epoch_unix_micros ||
        t > core::max_unix_micros - postgres_epoch_unix_micros) {
        throw core::Error(core::ErrorKind::invalid_parameter,
                          std::string(what) + " is out of range: only years 1 to 9999 are supported");
    }
    return core::instant_from_unix_micros(t + postgres_epoch_unix_micros);
}

TimestampTz to_timestamptz(core::Instant t) {
    return core::unix_micros(t) - postgres_epoch_unix_micros;
}

core::Micros to_duration(const Interval* interval, const char* what) {
    if (interval->month != 0) {
        throw core::Error(
            core::ErrorKind::invalid_parameter,
            std::string(what) + " \"" + interval_text(interval) +
                "\" has months or years, which have no fixed length",
            {}, "Use a cron trigger for calendar schedules, e.g. cadence.cron('0 0 1 * *').");
    }
    __int128 micros = static_cast<__int128>(interval->day) * USECS_PER_DAY + interval->time;
    if (micros > INT64_MAX || micros < INT64_MIN)
        throw core::Error(core::ErrorKind::invalid_parameter,
                          std::string(what) + " \"" + interval_text(interval) + "\" is out of range");
    return core::Micros(static_cast<int64_t>(micros));
}

std::string jsonb_text(Jsonb* value) {
    const char* text = pg_guard(
        [&]() noexcept { return JsonbToCString(nullptr, &value->root, VARSIZE(value)); });
    return text;
}

Datum jsonb_from_text(const std::string& text) {
    return pg_guard(
        [&]() noexcept { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
}

}  // namespace cadence::pg
