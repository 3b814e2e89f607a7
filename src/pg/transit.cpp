// cadence._transit: applies one lifecycle action to a batch of jobs (see
// src/sql/lifecycle.sql). It locks the jobs' rows in id order with one statement,
// asks the core (core::apply_action) what each job's move is, appends every event
// with one INSERT (handing each to the publisher), and stores every row with one
// UPDATE. Plans are prepared once per backend, generic: their cost does not depend
// on a batch's size, and they never re-plan per call.
#include "pg/postgres.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/job_counts.hpp"
#include "core/job_lifecycle.hpp"
#include "pg/boundary.hpp"
#include "pg/worker_transaction.hpp"
#include "pg/convert.hpp"
#include "pg/plan_refresh.hpp"
#include "pg/publication.hpp"
#include "pg/text.hpp"
#include "pg/lifecycle_glue.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

using namespace cadence;

namespace {

// The jobs' rows, locked in id order: those the caller may manage, or, for a
// worker's action ($3), whose queue is granted to it (cadence.grant_queue).
constexpr const char* load_sql =
    "SELECT js.job_id, js.status, js.attempt, js.paused, js.kind, js.worker, js.run_at, js.fire_time,"
    "       js.fire_base, js.lease, js.lease_expires_at, js.heartbeat_at, js.progress, js.timer_at,"
    "       js.timer_kind, js.owner::oid, j.max_attempts, j.trigger::text, j.created_at, j.backoff,"
    "       j.queue, js.queue"
    " FROM cadence.jobs_status js JOIN cadence.jobs j ON j.id = js.job_id"
    " WHERE js.job_id = ANY ($1)"
    "   AND ($2 IS NULL OR pg_catalog.pg_has_role($2, js.owner, 'USAGE')"
    "        OR pg_catalog.pg_has_role($2, 'cadence_admin', 'USAGE')"
    "        OR ($3 AND EXISTS (SELECT FROM cadence.queue_grants g WHERE g.owner = js.owner"
    "                           AND g.queue = js.queue AND pg_catalog.pg_has_role($2, g.worker, 'USAGE'))))"
    " ORDER BY js.job_id FOR UPDATE OF js";

// Every event, in order (ids are taken in this order); the caller's details are
// merged into those that take them. The same statement records what the events
// did to the jobs per owner, queue and status (core/job_counts.hpp): a status
// moves only with an event, and one statement costs less than two.
constexpr const char* append_sql =
    "WITH counted AS (INSERT INTO cadence.job_count_changes (owner, queue, status, delta)"
    " SELECT * FROM unnest($12::oid[]::regrole[], $13::text[], $14::text[], $15::int4[]))"
    " INSERT INTO cadence.job_events (id, job_id, event, status, attempt, at, fire_time, owner, details, queue)"
    " SELECT cadence._next_event_id('cadence.job_events_id_seq'), u.job_id, u.event, u.status, u.attempt, u.at, u.fire_time, u.owner::regrole,"
    "        CASE WHEN u.with_details AND u.caller IS NOT NULL"
    "             THEN coalesce(u.details::jsonb, '{}') || u.caller ELSE u.details::jsonb END,"
    "        u.queue"
    " FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], $5::timestamptz[], $6::timestamptz[],"
    "             $7::oid[], $8::text[], $9::jsonb[], $10::bool[], $11::text[])"
    "      AS u(job_id, event, status, attempt, at, fire_time, owner, details, caller, with_details, queue)"
    " RETURNING id";

// Every job's row as the lifecycle left it.
constexpr const char* store_sql =
    "UPDATE cadence.jobs_status t SET status = u.status, attempt = u.attempt, run_at = u.run_at,"
    "       fire_time = u.fire_time, worker = u.worker, lease = u.lease,"
    "       lease_expires_at = u.lease_expires_at, heartbeat_at = u.heartbeat_at, progress = u.progress,"
    "       paused = u.paused, queue = u.queue, fire_base = u.fire_base, timer_at = u.timer_at,"
    "       timer_kind = u.timer_kind, event_id = coalesce(u.event_id, t.event_id),"
    "       status_event_id = coalesce(u.status_event_id, t.status_event_id),"
    "       changed_at = coalesce(u.changed_at, t.changed_at)"
    " FROM unnest($1::int8[], $2::text[], $3::int4[], $4::timestamptz[], $5::timestamptz[], $6::text[],"
    "             $7::interval[], $8::timestamptz[], $9::timestamptz[], $10::float4[], $11::bool[],"
    "             $12::text[], $13::timestamptz[], $14::timestamptz[], $15::text[], $16::int8[],"
    "             $17::int8[], $18::timestamptz[])"
    "      AS u(job_id, status, attempt, run_at, fire_time, worker, lease, lease_expires_at, heartbeat_at,"
    "           progress, paused, queue, fire_base, timer_at, timer_kind, event_id, status_event_id,"
    "           changed_at)"
    " WHERE t.job_id = u.job_id";

constexpr const char* remove_sql = "DELETE FROM cadence.jobs WHERE id = ANY ($1)";
constexpr const char* pause_sql = "UPDATE cadence.jobs SET paused = $2 WHERE id = ANY ($1)";

SPIPlanPtr load_plan, append_plan, store_plan, remove_plan, pause_plan;

// A generic plan of one of the statements above, made once. Inside pg_guard.
SPIPlanPtr prepared(SPIPlanPtr& plan, const char* sql, int nargs, Oid* types) {
    return pg::kept_plan(plan, sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
}

// A column of an array argument being built: plain values, made into an array
// inside pg_guard.
struct Column {
    Oid element;
    std::vector<Datum> values;
    std::vector<bool> nulls;

    explicit Column(Oid type) : element(type) {}
    void add(Datum value) { values.push_back(value); nulls.push_back(false); }
    void add_null() { values.push_back((Datum)0); nulls.push_back(true); }
    template <typename T>
    void add_optional(const std::optional<T>& value, Datum (*to)(const T&)) {
        if (value) add(to(*value)); else add_null();
    }
};

// The array of a column; inside pg_guard.
Datum array_of(const Column& column) {
    int16 len;
    bool byval;
    char align;
    get_typlenbyvalalign(column.element, &len, &byval, &align);
    int n = static_cast<int>(column.values.size());
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * std::max(n, 1)));
    bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * std::max(n, 1)));
    for (int i = 0; i < n; ++i) {
        values[i] = column.values[i];
        nulls[i] = column.nulls[i];
    }
    int dims[1] = {n};
    int lbs[1] = {1};
    return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, column.element, len, byval, align));
}

Datum instant_datum(const core::Instant& t) { return TimestampTzGetDatum(pg::to_timestamptz(t)); }
Datum text_datum(const std::string& s) { return PointerGetDatum(pg::to_text(s)); }

// One job as loaded, with the Datums of the row that are passed through as they are.
struct Loaded {
    core::JobRow row;
    std::string kind, queue, trigger_json;
    std::string counted_queue;  // the queue its status row had (alter_job may have changed the job's)
    Oid owner = InvalidOid;
    bool has_lease = false;
    Datum lease = 0;  // the row's lease interval, in SPI's memory
};

// What the caller gets for one job.
struct Outcome {
    bool found = false;
    std::string status, kind, queue, refused, timer_kind;
    int attempt = 0;
    std::optional<core::Instant> run_at, fire_time, lease_expires_at, timer_at;
};

std::optional<core::Instant> instant_column(HeapTuple tuple, TupleDesc desc, int n, const char* what) {
    bool null = false;
    Datum value = SPI_getbinval(tuple, desc, n, &null);
    if (null) return std::nullopt;
    return pg::to_instant(DatumGetTimestampTz(value), what);
}

std::string text_column(HeapTuple tuple, TupleDesc desc, int n) {
    char* value = pg::pg_guard([&]() noexcept { return SPI_getvalue(tuple, desc, n); });
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

namespace cadence::pg {

// The arguments and result of cadence._transit: see sql_lifecycle.cpp.
Datum transit(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(1) || PG_ARGISNULL(7))
        throw core::Error(core::ErrorKind::internal, "cadence._transit: null argument");
    const bool has_caller = !PG_ARGISNULL(0);
    const Oid caller = has_caller ? PG_GETARG_OID(0) : InvalidOid;
    std::string action_text = pg::text_arg(fcinfo, 1);
    auto action = core::parse_lifecycle_action(action_text);
    if (!action) throw core::Error(core::ErrorKind::internal, "unknown job action \"" + action_text + "\"");
    std::string worker = PG_ARGISNULL(3) ? std::string() : pg::text_arg(fcinfo, 3);
    const bool raise = PG_GETARG_BOOL(7);

    // The ids given (in order), and each one's caller details.
    std::vector<int64> ids;
    std::vector<std::optional<Datum>> details;
    pg::pg_guard([&]() noexcept {
        if (PG_ARGISNULL(2)) return;
        ArrayType* array = PG_GETARG_ARRAYTYPE_P(2);
        Datum* values;
        bool* nulls;
        int n;
        deconstruct_array(array, INT8OID, 8, true, TYPALIGN_DOUBLE, &values, &nulls, &n);
        for (int i = 0; i < n; ++i)
            if (nulls[i])
                ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("job id must not be null")));
        ids.reserve(n);
        for (int i = 0; i < n; ++i) ids.push_back(DatumGetInt64(values[i]));
        details.resize(n);
        if (PG_ARGISNULL(4)) return;
        ArrayType* detail_array = PG_GETARG_ARRAYTYPE_P(4);
        deconstruct_array(detail_array, JSONBOID, -1, false, TYPALIGN_INT, &values, &nulls, &n);
        for (int i = 0; i < n && i < static_cast<int>(details.size()); ++i)
            if (!nulls[i]) details[i] = values[i];
    });
    if (ids.empty() && PG_ARGISNULL(2)) throw core::Error(core::ErrorKind::internal, "cadence._transit: null ids");

    core::ActionInput input = pg::action_input(fcinfo, *action, worker, 5, 6);
    const Datum lease_arg = PG_ARGISNULL(5) ? (Datum)0 : PG_GETARG_DATUM(5);

    // Where each id is first mentioned, to find its caller details.
    std::vector<std::pair<int64, size_t>> mentions;
    mentions.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) mentions.emplace_back(ids[i], i);
    std::sort(mentions.begin(), mentions.end());

    // Each distinct id once, in id order (the order rows are locked in).
    std::vector<int64> unique_ids = ids;
    std::sort(unique_ids.begin(), unique_ids.end());
    unique_ids.erase(std::unique(unique_ids.begin(), unique_ids.end()), unique_ids.end());

    pg::pg_guard([&]() noexcept {
        pg::refresh_plans_if_grown();
        SPI_connect();
    });

    // 1. Lock and read the rows.
    std::vector<Loaded> loaded;
    SPITupleTable* table = nullptr;
    uint64 rows = pg::pg_guard([&]() noexcept {
        Oid types[3] = {INT8ARRAYOID, OIDOID, BOOLOID};
        SPIPlanPtr plan = prepared(load_plan, load_sql, 3, types);
        Column id_column(INT8OID);
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * std::max<size_t>(unique_ids.size(), 1)));
        for (size_t i = 0; i < unique_ids.size(); ++i) values[i] = Int64GetDatum(unique_ids[i]);
        // A worker's own actions on a run it holds; the rest is the owner's.
        bool worker_action = *action == core::LifecycleAction::heartbeat ||
                             *action == core::LifecycleAction::complete || *action == core::LifecycleAction::fail;
        Datum args[3] = {PointerGetDatum(construct_array(values, static_cast<int>(unique_ids.size()), INT8OID,
                                                         8, true, TYPALIGN_DOUBLE)),
                         ObjectIdGetDatum(caller), BoolGetDatum(worker_action)};
        char nulls[4] = {' ', has_caller ? ' ' : 'n', ' ', '\0'};
        int rc = SPI_execute_plan(plan, args, nulls, false, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "pg_cadence: loading jobs failed: %s", SPI_result_code_string(rc));
        table = SPI_tuptable;
        return SPI_processed;
    });
    loaded.resize(rows);
    for (uint64 r = 0; r < rows; ++r) {
        HeapTuple tuple = table->vals[r];
        TupleDesc desc = table->tupdesc;
        Loaded& l = loaded[r];
        core::JobRow& row = l.row;
        bool null = false;
        row.job_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &null));
        std::string status = text_column(tuple, desc, 2);
        auto parsed = core::parse_status(status);
        if (!parsed) throw core::Error(core::ErrorKind::internal, "unknown job status \"" + status + "\"");
        row.status = *parsed;
        row.attempt = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &null));
        row.paused = DatumGetBool(SPI_getbinval(tuple, desc, 4, &null));
        l.kind = text_column(tuple, desc, 5);
        row.external = l.kind == "external";
        row.worker = text_column(tuple, desc, 6);
        row.run_at = instant_column(tuple, desc, 7, "run_at");
        row.fire_time = instant_column(tuple, desc, 8, "fire_time");
        row.fire_base = instant_column(tuple, desc, 9, "fire_base");
        l.lease = SPI_getbinval(tuple, desc, 10, &null);
        l.has_lease = !null;
        if (l.has_lease) row.lease = pg::to_duration(DatumGetIntervalP(l.lease), "lease");
        row.lease_expires_at = instant_column(tuple, desc, 11, "lease_expires_at");
        row.heartbeat_at = instant_column(tuple, desc, 12, "heartbeat_at");
        Datum progress = SPI_getbinval(tuple, desc, 13, &null);
        if (!null) row.progress = DatumGetFloat4(progress);
        auto timer_at = instant_column(tuple, desc, 14, "timer_at");
        auto timer_kind = core::parse_timer_kind(text_column(tuple, desc, 15));
        if (timer_at && timer_kind) row.timer = core::JobTimer{*timer_at, *timer_kind};
        l.owner = DatumGetObjectId(SPI_getbinval(tuple, desc, 16, &null));
        row.max_attempts = DatumGetInt32(SPI_getbinval(tuple, desc, 17, &null));
        l.trigger_json = text_column(tuple, desc, 18);
        row.created_at = *instant_column(tuple, desc, 19, "created_at");
        row.backoff = pg::to_duration(DatumGetIntervalP(SPI_getbinval(tuple, desc, 20, &null)), "backoff");
        l.queue = text_column(tuple, desc, 21);
        l.counted_queue = text_column(tuple, desc, 22);
        row.trigger = &pg::cached_trigger(l.trigger_json);
    }

    // 2. Each job's move, decided by the core.
    Column e_job(INT8OID), e_event(TEXTOID), e_status(TEXTOID), e_attempt(INT4OID), e_at(TIMESTAMPTZOID),
        e_fire(TIMESTAMPTZOID), e_owner(OIDOID), e_details(TEXTOID), e_caller(JSONBOID), e_with(BOOLOID),
        e_queue(TEXTOID);
    std::vector<Outcome> outcomes(unique_ids.size());
    core::JobCountChanges counts;
    std::vector<core::LifecycleResult> results;
    std::vector<size_t> result_of;  // index into loaded for each result
    results.reserve(loaded.size());
    size_t next = 0;
    for (size_t u = 0; u < unique_ids.size(); ++u) {
        Outcome& out = outcomes[u];
        if (next >= loaded.size() || loaded[next].row.job_id != unique_ids[u]) {
            std::string message = "job " + std::to_string(unique_ids[u]) + " does not exist";
            if (raise) throw core::Error(core::ErrorKind::not_found, message);
            out.refused = message;
            continue;
        }
        const Loaded& l = loaded[next++];
        try {
            results.push_back(core::apply_action(l.row, input));
            if (!results.back().notice.empty()) {
                const char* notice = results.back().notice.c_str();
                pg::pg_guard([&]() noexcept { ereport(NOTICE, (errmsg("%s; nothing to do", notice))); });
            }
        } catch (const core::Error& e) {
            if (raise || e.kind() != core::ErrorKind::wrong_state) throw;
            out.found = true;
            out.refused = e.what();
            continue;
        }
        result_of.push_back(static_cast<size_t>(&l - loaded.data()));
        out.found = true;
        const core::LifecycleResult& done = results.back();
        if (done.removed) counts.add(l.owner, l.counted_queue, core::to_string(l.row.status), -1);
        else counts.move(l.owner, l.counted_queue, core::to_string(l.row.status), l.queue, core::to_string(done.after.status));
        // The caller's details for this job: those given with its first mention.
        std::optional<Datum> caller_details;
        auto first = std::lower_bound(mentions.begin(), mentions.end(), std::pair<int64, size_t>{unique_ids[u], 0});
        if (first != mentions.end() && first->first == unique_ids[u]) caller_details = details[first->second];
        for (const core::LifecycleEvent& event : results.back().events) {
            e_job.add(Int64GetDatum(l.row.job_id));
            e_event.add(text_datum(std::string(event.event)));
            e_status.add(text_datum(std::string(event.status)));
            e_attempt.add(Int32GetDatum(event.attempt));
            e_at.add(instant_datum(input.clock));
            e_fire.add_optional(event.fire_time, instant_datum);
            e_owner.add(ObjectIdGetDatum(l.owner));
            std::string json = core::event_details_json(event);
            if (json.empty()) e_details.add_null(); else e_details.add(text_datum(json));
            if (caller_details) e_caller.add(*caller_details); else e_caller.add_null();
            e_with.add(BoolGetDatum(event.with_caller_details));
            e_queue.add(text_datum(l.queue));
        }
    }

    // 3. Append the events; each is handed to the publisher with its id.
    Column c_owner(OIDOID), c_queue(TEXTOID), c_status(TEXTOID), c_delta(INT4OID);
    for (const auto& change : counts.changes()) {
        c_owner.add(ObjectIdGetDatum(change.owner));
        c_queue.add(text_datum(change.queue));
        c_status.add(text_datum(change.status));
        c_delta.add(Int32GetDatum(change.delta));
    }
    if (e_job.values.empty() && !c_owner.values.empty())
        throw core::Error(core::ErrorKind::internal, "pg_cadence: a job's status or queue changed without an event");
    std::vector<int64> event_ids;
    if (!e_job.values.empty()) {
        SPITupleTable* inserted = nullptr;
        uint64 count = pg::pg_guard([&]() noexcept {
            Oid types[15] = {INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID,
                             TIMESTAMPTZARRAYOID, OIDARRAYOID, TEXTARRAYOID, JSONBARRAYOID, BOOLARRAYOID,
                             TEXTARRAYOID, OIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID};
            SPIPlanPtr plan = prepared(append_plan, append_sql, 15, types);
            const Column* columns[15] = {&e_job, &e_event, &e_status, &e_attempt, &e_at, &e_fire,
                                         &e_owner, &e_details, &e_caller, &e_with, &e_queue,
                                         &c_owner, &c_queue, &c_status, &c_delta};
            Datum args[15];
            for (int i = 0; i < 15; ++i) args[i] = array_of(*columns[i]);
            int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
            if (rc != SPI_OK_INSERT_RETURNING)
                elog(ERROR, "pg_cadence: appending events failed: %s", SPI_result_code_string(rc));
            inserted = SPI_tuptable;
            return SPI_processed;
        });
        event_ids.reserve(count);
        for (uint64 i = 0; i < count; ++i) {
            bool null = false;
            event_ids.push_back(DatumGetInt64(SPI_getbinval(inserted->vals[i], inserted->tupdesc, 1, &null)));
        }
        if (event_ids.size() != e_job.values.size())
            throw core::Error(core::ErrorKind::internal, "pg_cadence: an event was not appended");
        size_t e = 0;
        for (size_t r = 0; r < results.size(); ++r) {
            const Loaded& l = loaded[result_of[r]];
            for (const core::LifecycleEvent& event : results[r].events) {
                std::string name(event.event), status(event.status);
                pg::publish_event(event_ids[e++], l.row.job_id, name.c_str(), status.c_str(), event.attempt,
                                  l.queue.c_str(), pg::to_timestamptz(input.clock));
            }
        }
    }

    // 4. Store the rows (and remove deleted jobs, and set jobs.paused).
    Column s_job(INT8OID), s_status(TEXTOID), s_attempt(INT4OID), s_run_at(TIMESTAMPTZOID),
        s_fire(TIMESTAMPTZOID), s_worker(TEXTOID), s_lease(INTERVALOID), s_expires(TIMESTAMPTZOID),
        s_heartbeat(TIMESTAMPTZOID), s_progress(FLOAT4OID), s_paused(BOOLOID), s_queue(TEXTOID),
        s_fire_base(TIMESTAMPTZOID), s_timer_at(TIMESTAMPTZOID), s_timer_kind(TEXTOID), s_event(INT8OID),
        s_status_event(INT8OID), s_changed(TIMESTAMPTZOID);
    Column removed(INT8OID), paused_ids(INT8OID);
    size_t e = 0;
    for (size_t r = 0; r < results.size(); ++r) {
        const Loaded& l = loaded[result_of[r]];
        const core::LifecycleResult& result = results[r];
        std::optional<int64> last_event, last_status_event;
        for (const core::LifecycleEvent& event : result.events) {
            last_event = event_ids[e];
            if (event.event == event.status) last_status_event = event_ids[e];
            ++e;
        }
        if (result.removed) {
            removed.add(Int64GetDatum(l.row.job_id));
            continue;
        }
        if (result.after.paused != l.row.paused) paused_ids.add(Int64GetDatum(l.row.job_id));
        const core::JobRow& a = result.after;
        // A heartbeat's new progress is no event, but listeners see it move.
        if (*action == core::LifecycleAction::heartbeat && a.progress && a.progress != l.row.progress)
            pg::publish_progress(a.job_id, l.queue.c_str(), *a.progress, pg::to_timestamptz(input.clock));
        s_job.add(Int64GetDatum(a.job_id));
        s_status.add(text_datum(std::string(core::to_string(a.status))));
        s_attempt.add(Int32GetDatum(a.attempt));
        s_run_at.add_optional(a.run_at, instant_datum);
        s_fire.add_optional(a.fire_time, instant_datum);
        if (a.worker.empty()) s_worker.add_null(); else s_worker.add(text_datum(a.worker));
        // The lease keeps the caller's interval as it was written.
        bool status_moved = last_status_event.has_value();
        if (!a.lease) s_lease.add_null();
        else if (status_moved) s_lease.add(lease_arg);
        else if (l.has_lease) s_lease.add(l.lease);
        else s_lease.add_null();
        s_expires.add_optional(a.lease_expires_at, instant_datum);
        s_heartbeat.add_optional(a.heartbeat_at, instant_datum);
        if (a.progress) s_progress.add(Float4GetDatum(*a.progress)); else s_progress.add_null();
        s_paused.add(BoolGetDatum(a.paused));
        s_queue.add(text_datum(l.queue));
        s_fire_base.add_optional(a.fire_base, instant_datum);
        if (result.timer) {
            s_timer_at.add(instant_datum(result.timer->at));
            s_timer_kind.add(text_datum(core::to_string(result.timer->kind)));
        } else {
            s_timer_at.add_null();
            s_timer_kind.add_null();
        }
        if (last_event) s_event.add(Int64GetDatum(*last_event)); else s_event.add_null();
        if (last_status_event) s_status_event.add(Int64GetDatum(*last_status_event)); else s_status_event.add_null();
        if (result.events.empty()) s_changed.add_null(); else s_changed.add(instant_datum(input.clock));
    }
    const bool pause_value = *action == core::LifecycleAction::pause;
    pg::pg_guard([&]() noexcept {
        if (!s_job.values.empty()) {
            Oid types[18] = {INT8ARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID,
                             TIMESTAMPTZARRAYOID, TEXTARRAYOID, INTERVALARRAYOID, TIMESTAMPTZARRAYOID,
                             TIMESTAMPTZARRAYOID, FLOAT4ARRAYOID, BOOLARRAYOID, TEXTARRAYOID,
                             TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, INT8ARRAYOID,
                             INT8ARRAYOID, TIMESTAMPTZARRAYOID};
            SPIPlanPtr plan = prepared(store_plan, store_sql, 18, types);
            const Column* columns[18] = {&s_job, &s_status, &s_attempt, &s_run_at, &s_fire, &s_worker,
                                         &s_lease, &s_expires, &s_heartbeat, &s_progress, &s_paused,
                                         &s_queue, &s_fire_base, &s_timer_at, &s_timer_kind, &s_event,
                                         &s_status_event, &s_changed};
            Datum args[18];
            for (int i = 0; i < 18; ++i) args[i] = array_of(*columns[i]);
            int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
            if (rc != SPI_OK_UPDATE) elog(ERROR, "pg_cadence: storing jobs failed: %s", SPI_result_code_string(rc));
        }
        if (!removed.values.empty()) {
            Oid types[1] = {INT8ARRAYOID};
            Datum args[1] = {array_of(removed)};
            int rc = SPI_execute_plan(prepared(remove_plan, remove_sql, 1, types), args, nullptr, false, 0);
            if (rc != SPI_OK_DELETE) elog(ERROR, "pg_cadence: removing jobs failed: %s", SPI_result_code_string(rc));
        }
        if (!paused_ids.values.empty()) {
            Oid types[2] = {INT8ARRAYOID, BOOLOID};
            Datum args[2] = {array_of(paused_ids), BoolGetDatum(pause_value)};
            int rc = SPI_execute_plan(prepared(pause_plan, pause_sql, 2, types), args, nullptr, false, 0);
            if (rc != SPI_OK_UPDATE) elog(ERROR, "pg_cadence: pausing jobs failed: %s", SPI_result_code_string(rc));
        }
    });

    // What each job became, for the caller.
    size_t r = 0;
    for (size_t u = 0; u < unique_ids.size(); ++u) {
        Outcome& out = outcomes[u];
        if (!out.found || !out.refused.empty()) continue;
        const core::LifecycleResult& result = results[r];
        const Loaded& l = loaded[result_of[r]];
        ++r;
        const core::JobRow& a = result.after;
        out.status = result.removed ? std::string("deleted") : std::string(core::to_string(a.status));
        out.attempt = a.attempt;
        out.kind = l.kind;
        out.queue = l.queue;
        out.run_at = a.run_at;
        out.fire_time = a.fire_time;
        out.lease_expires_at = a.lease_expires_at;
        if (result.timer) {
            out.timer_at = result.timer->at;
            out.timer_kind = core::to_string(result.timer->kind);
        }
    }
    pg::pg_guard([&]() noexcept { SPI_finish(); });

    // One row per id given, in the order given.
    pg::pg_guard([&]() noexcept { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (int64 id : ids) {
        const Outcome& out = outcomes[std::lower_bound(unique_ids.begin(), unique_ids.end(), id) - unique_ids.begin()];
        Datum values[11];
        bool nulls[11];
        for (int i = 0; i < 11; ++i) nulls[i] = true;
        values[0] = Int64GetDatum(id);
        nulls[0] = false;
        auto set_text = [&](int i, const std::string& s) {
            if (s.empty()) return;
            values[i] = PointerGetDatum(pg::to_text(s));
            nulls[i] = false;
        };
        auto set_time = [&](int i, const std::optional<core::Instant>& t) {
            if (!t) return;
            values[i] = instant_datum(*t);
            nulls[i] = false;
        };
        if (out.refused.empty()) {
            set_text(1, out.status);
            values[2] = Int32GetDatum(out.attempt);
            nulls[2] = false;
            set_text(3, out.kind);
            set_text(4, out.queue);
            set_time(5, out.run_at);
            set_time(6, out.fire_time);
            set_time(7, out.lease_expires_at);
            set_time(8, out.timer_at);
            set_text(9, out.timer_kind);
        } else {
            set_text(10, out.refused);
        }
        pg::pg_guard([&]() noexcept { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
    }
    return (Datum)0;
}

}  // namespace cadence::pg
