// cadence._step's work (sql_lifecycle.cpp declares it): the job lifecycle
// (src/core/job_lifecycle.cpp) on one job's row, for new jobs. It reads a job's row and
// returns one row per event to append, each with the job's row after it.
#include "pg/postgres.hpp"

#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "core/job_lifecycle.hpp"
#include "core/trigger.hpp"
#include "pg/boundary.hpp"
#include "pg/convert.hpp"
#include "pg/text.hpp"
#include "pg/lifecycle_glue.hpp"

extern "C" {
#include "access/xact.h"
#include "common/pg_prng.h"
#include "utils/tuplestore.h"
}

using namespace cadence;

namespace cadence::pg {

const core::Trigger& cached_trigger(const std::string& json) {
    static std::unordered_map<std::string, core::Trigger> cache;
    if (auto it = cache.find(json); it != cache.end()) return it->second;
    if (cache.size() >= 4096) cache.clear();
    return cache.emplace(json, core::parse_trigger(json)).first->second;
}

core::ActionInput action_input(FunctionCallInfo fcinfo, core::LifecycleAction action,
                               std::string_view worker, int lease_arg, int progress_arg) {
    core::ActionInput input;
    input.action = action;
    input.worker = worker;
    input.now = to_instant(GetCurrentTransactionStartTimestamp(), "now");
    input.clock = to_instant(GetCurrentTimestamp(), "clock");
    if (!PG_ARGISNULL(lease_arg)) input.lease = to_duration(PG_GETARG_INTERVAL_P(lease_arg), "lease");
    if (!PG_ARGISNULL(progress_arg)) input.progress = PG_GETARG_FLOAT4(progress_arg);
    input.unit_random = pg_prng_double(&pg_global_prng_state);
    return input;
}

core::Trigger trigger_arg(FunctionCallInfo fcinfo, int n) {
    Jsonb* descriptor = pg_guard([&]() noexcept { return PG_GETARG_JSONB_P(n); });
    return core::parse_trigger(jsonb_text(descriptor));
}

}  // namespace cadence::pg

namespace {

std::optional<core::Instant> instant_arg(FunctionCallInfo fcinfo, int n, const char* what) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return pg::to_instant(PG_GETARG_TIMESTAMPTZ(n), what);
}

std::string optional_text(FunctionCallInfo fcinfo, int n) {
    return PG_ARGISNULL(n) ? std::string() : pg::text_arg(fcinfo, n);
}

Datum timestamp_datum(const std::optional<core::Instant>& t, bool& null) {
    null = !t.has_value();
    return t ? TimestampTzGetDatum(pg::to_timestamptz(*t)) : (Datum)0;
}

// Output columns of cadence._step, in order.
enum Column {
    c_seq, c_final, c_event, c_status, c_attempt, c_at, c_event_fire_time, c_details, c_with_details,
    c_run_at, c_fire_time, c_worker, c_lease, c_lease_expires_at, c_heartbeat_at, c_progress,
    c_paused, c_fire_base, c_timer_at, c_timer_kind, c_removed, c_refusal, column_count
};

// One output row, built from plain values (text and jsonb already palloc'd).
struct OutRow {
    Datum values[column_count];
    bool nulls[column_count];
};

}  // namespace

// cadence._step(action, worker, lease, progress, job_id, status, attempt,
//   max_attempts, paused, kind, holder, run_at, fire_time, fire_base, row_lease,
//   lease_expires_at, heartbeat_at, row_progress, timer_at, timer_kind, trigger,
//   created_at, backoff, refuse) RETURNS SETOF record (see src/sql/lifecycle.sql)
namespace cadence::pg {

Datum step(FunctionCallInfo fcinfo) {
    for (int i : {0, 4, 6, 7, 8, 9, 20, 21, 22, 23})
        if (PG_ARGISNULL(i)) throw core::Error(core::ErrorKind::internal, "cadence._step: null argument");
    std::string action_text = pg::text_arg(fcinfo, 0);
    auto action = core::parse_lifecycle_action(action_text);
    if (!action) throw core::Error(core::ErrorKind::internal, "unknown job action \"" + action_text + "\"");
    std::string worker = optional_text(fcinfo, 1);

    core::ActionInput input = pg::action_input(fcinfo, *action, worker, 2, 3);

    std::string trigger_json = pg::jsonb_text(pg::pg_guard([&]() noexcept { return PG_GETARG_JSONB_P(20); }));
    core::JobRow row;
    row.job_id = PG_GETARG_INT64(4);
    if (!PG_ARGISNULL(5)) {
        std::string status = pg::text_arg(fcinfo, 5);
        auto parsed = core::parse_status(status);
        if (!parsed) throw core::Error(core::ErrorKind::internal, "unknown job status \"" + status + "\"");
        row.status = *parsed;
    }
    row.attempt = PG_GETARG_INT32(6);
    row.max_attempts = PG_GETARG_INT32(7);
    row.paused = PG_GETARG_BOOL(8);
    row.external = pg::text_arg(fcinfo, 9) == "external";
    row.worker = optional_text(fcinfo, 10);
    row.run_at = instant_arg(fcinfo, 11, "run_at");
    row.fire_time = instant_arg(fcinfo, 12, "fire_time");
    row.fire_base = instant_arg(fcinfo, 13, "fire_base");
    if (!PG_ARGISNULL(14)) row.lease = pg::to_duration(PG_GETARG_INTERVAL_P(14), "lease");
    row.lease_expires_at = instant_arg(fcinfo, 15, "lease_expires_at");
    row.heartbeat_at = instant_arg(fcinfo, 16, "heartbeat_at");
    if (!PG_ARGISNULL(17)) row.progress = PG_GETARG_FLOAT4(17);
    if (!PG_ARGISNULL(18) && !PG_ARGISNULL(19)) {
        if (auto kind = core::parse_timer_kind(pg::text_arg(fcinfo, 19)))
            row.timer = core::JobTimer{pg::to_instant(PG_GETARG_TIMESTAMPTZ(18), "timer_at"), *kind};
    }
    row.trigger = &pg::cached_trigger(trigger_json);
    row.created_at = pg::to_instant(PG_GETARG_TIMESTAMPTZ(21), "created_at");
    row.backoff = pg::to_duration(PG_GETARG_INTERVAL_P(22), "backoff");
    const bool raise = PG_GETARG_BOOL(23);

    std::optional<core::LifecycleResult> result;
    std::string refusal;
    try {
        result = core::apply_action(row, input);
    } catch (const core::Error& e) {
        if (raise || e.kind() != core::ErrorKind::wrong_state) throw;
        refusal = e.what();
    }

    // Everything is converted before the first row is stored: no C++ object needs
    // to live across the guarded calls below.
    std::vector<OutRow> rows;
    if (result) {
        const core::JobRow& after = result->after;
        bool any_status = false;
        size_t count = std::max<size_t>(result->events.size(), 1);
        rows.resize(count);
        for (size_t i = 0; i < count; ++i) {
            OutRow& out = rows[i];
            for (int c = 0; c < column_count; ++c) out.nulls[c] = true;
            out.values[c_seq] = Int32GetDatum(static_cast<int32>(i));
            out.nulls[c_seq] = false;
            out.values[c_final] = BoolGetDatum(i + 1 == count);
            out.nulls[c_final] = false;
            if (i < result->events.size()) {
                const core::LifecycleEvent& event = result->events[i];
                any_status = any_status || event.event == event.status;
                out.values[c_event] = PointerGetDatum(pg::to_text(event.event));
                out.values[c_status] = PointerGetDatum(pg::to_text(event.status));
                out.values[c_attempt] = Int32GetDatum(event.attempt);
                out.values[c_at] = TimestampTzGetDatum(pg::to_timestamptz(input.clock));
                out.values[c_event_fire_time] = timestamp_datum(event.fire_time, out.nulls[c_event_fire_time]);
                std::string json = core::event_details_json(event);
                if (!json.empty()) {
                    out.values[c_details] = pg::jsonb_from_text(json);
                    out.nulls[c_details] = false;
                }
                out.values[c_with_details] = BoolGetDatum(event.with_caller_details);
                for (int c : {c_event, c_status, c_attempt, c_at, c_with_details}) out.nulls[c] = false;
            }
            if (i + 1 != count) continue;
            // The last row carries the job's row after every event.
            out.values[c_run_at] = timestamp_datum(after.run_at, out.nulls[c_run_at]);
            out.values[c_fire_time] = timestamp_datum(after.fire_time, out.nulls[c_fire_time]);
            if (!after.worker.empty()) {
                out.values[c_worker] = PointerGetDatum(pg::to_text(after.worker));
                out.nulls[c_worker] = false;
            }
            // The lease keeps the caller's interval as it was written.
            int lease_arg = any_status ? 2 : 14;
            if (!PG_ARGISNULL(lease_arg) && after.lease) {
                out.values[c_lease] = PG_GETARG_DATUM(lease_arg);
                out.nulls[c_lease] = false;
            }
            out.values[c_lease_expires_at] = timestamp_datum(after.lease_expires_at, out.nulls[c_lease_expires_at]);
            out.values[c_heartbeat_at] = timestamp_datum(after.heartbeat_at, out.nulls[c_heartbeat_at]);
            if (after.progress) {
                out.values[c_progress] = Float4GetDatum(*after.progress);
                out.nulls[c_progress] = false;
            }
            out.values[c_paused] = BoolGetDatum(after.paused);
            out.nulls[c_paused] = false;
            out.values[c_fire_base] = timestamp_datum(after.fire_base, out.nulls[c_fire_base]);
            if (result->timer) {
                out.values[c_timer_at] = TimestampTzGetDatum(pg::to_timestamptz(result->timer->at));
                out.values[c_timer_kind] = PointerGetDatum(pg::to_text(core::to_string(result->timer->kind)));
                out.nulls[c_timer_at] = out.nulls[c_timer_kind] = false;
            }
            out.values[c_removed] = BoolGetDatum(result->removed);
            out.nulls[c_removed] = false;
        }
    } else {
        rows.resize(1);
        OutRow& out = rows[0];
        for (int c = 0; c < column_count; ++c) out.nulls[c] = true;
        out.values[c_seq] = Int32GetDatum(0);
        out.values[c_final] = BoolGetDatum(true);
        out.values[c_refusal] = PointerGetDatum(pg::to_text(refusal));
        out.nulls[c_seq] = out.nulls[c_final] = out.nulls[c_refusal] = false;
    }

    const OutRow* data = rows.data();
    const size_t n = rows.size();
    pg::pg_guard([&]() noexcept {
        InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        for (size_t i = 0; i < n; ++i)
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
                                 const_cast<Datum*>(data[i].values), const_cast<bool*>(data[i].nulls));
    });
    return (Datum)0;
}

}  // namespace cadence::pg
