#include "pg/executor.hpp"
#include "pg/compat.hpp"
#include "pg/executor_pool.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/queue_limits.hpp"
#include "core/run_outcome.hpp"
#include "pg/boundary.hpp"
#include "pg/worker_transaction.hpp"
#include "pg/run_as.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"
#include "pg/text.hpp"
#include "pg/top_level.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"
}

namespace cadence::pg {

namespace {

// This executor's slot number, label and slot (set at its start).
int my_index = -1;
// The owner whose runs left state in this backend that no reset reaches (see
// owner_state_kept): from then on it claims only that owner's runs, and when none
// is due it ends, so that the postmaster starts it afresh for everyone.
Oid bound_owner = InvalidOid;
char my_label[64];
ExecutorSlot* my_slot = nullptr;
// Reset before every run: the claimed body and the errors of the run live here.
MemoryContext run_context = nullptr;

void leave_slot(int, Datum) {
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    if (my_slot->pid == MyProcPid) {
        my_slot->pid = 0;
        my_slot->procno = -1;
        my_slot->idle = false;
        my_slot->lost_job = my_slot->job_id;
        if (my_slot->lost_job == no_job) my_slot->database = InvalidOid;
        my_slot->job_id = no_job;
        my_slot->in_body = false;
    }
    LWLockRelease(executor_pool->lock);
    wake_starved_schedulers();
    // The scheduler records a run this executor held as lost.
    if (SchedulerState* state = shared_state()) wake_scheduler(state);
}

// Ready to look for work: the scheduler may wake this executor from now on.
void mark_idle() {
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    my_slot->idle = true;
    my_slot->woken = false;
    my_slot->job_id = no_job;
    my_slot->in_body = false;
    my_slot->stop_requested = false;
    my_slot->deadline = 0;
    LWLockRelease(executor_pool->lock);
}

// Cancels are only acted upon while the owner's SQL runs; anywhere else they wait
// (and are dropped before the next run), so they never interrupt the bookkeeping.
void hold_cancels() { QueryCancelHoldoffCount = 1; }

// Called inside the run's transaction, just before the owner's SQL.
void begin_body(int64 job_id) {
    // Before in_body is published: from then on a stop's SIGINT is for this run.
    QueryCancelPending = false;  // a stale cancel aimed at an earlier run
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    bool stopped = my_slot->stop_requested;
    my_slot->in_body = !stopped;
    LWLockRelease(executor_pool->lock);
    if (stopped) {
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                        errmsg("the run of job %lld was canceled before its SQL started",
                               static_cast<long long>(job_id))));
    }
    QueryCancelHoldoffCount = 0;
}

// After the owner's SQL, whether it succeeded or not. Returns whether a stop was asked for.
bool end_body() {
    hold_cancels();
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    my_slot->in_body = false;
    bool stopped = my_slot->stop_requested;
    LWLockRelease(executor_pool->lock);
    return stopped;
}

// A claimed run.
struct Claim {
    int64 job_id;
    int64 event_id;  // its running event
    Oid owner;
    int64 timeout_ms;
    const char* body;  // in run_context
};

// Runs `sql` with arguments in the current transaction through SPI and returns the
// first column of its first row as text (nullptr for none or NULL), in run_context.
const char* spi_text(const char* sql, int nargs, Oid* types, Datum* values) {
    int rc = SPI_execute_with_args(sql, nargs, types, values, nullptr, false, 1);
    if (rc < 0) elog(ERROR, "pg_cadence executor: SPI_execute_with_args failed: %d", rc);
    if (SPI_processed == 0) return nullptr;
    char* value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    return value == nullptr ? nullptr : MemoryContextStrdup(run_context, value);
}

// Records how the run ended (cadence._executor_finish) in the current transaction;
// nullptr when the run was no longer this executor's to record (canceled, deleted).
const char* record_outcome(int64 job_id, const char* action, const char* details) {
    Oid types[4] = {INT8OID, TEXTOID, TEXTOID, JSONBOID};
    Datum values[4] = {Int64GetDatum(job_id), CStringGetTextDatum(my_label),
                       CStringGetTextDatum(action),
                       DirectFunctionCall1(jsonb_in, CStringGetDatum(details))};
    return spi_text("SELECT cadence._executor_finish($1, $2, $3, $4)", 4, types, values);
}

// Claims the next due run (in due order, within the queue limits) and marks it
// running, in a transaction of its own. Returns false when none is due.

bool claim_next(Claim& claim) {
    std::vector<core::QueueLimit> limits;
    try {
        limits = core::parse_queue_limits(executor_queue_limits != nullptr ? executor_queue_limits : "");
    } catch (const core::Error&) {
        // Its check hook refuses a malformed value: nothing to limit by.
    }
    bool forward_wake = false;
    bool claimed = pg_guard([&]() noexcept {
        begin_spi_transaction("pg_cadence executor: claiming a due run");
        auto* queues = static_cast<Datum*>(palloc(sizeof(Datum) * (limits.size() + 1)));
        auto* counts = static_cast<Datum*>(palloc(sizeof(Datum) * (limits.size() + 1)));
        for (size_t i = 0; i < limits.size(); ++i) {
            queues[i] = CStringGetTextDatum(limits[i].queue.c_str());
            counts[i] = Int32GetDatum(std::max(0, limits[i].limit - stopping_runs_of(limits[i].queue.c_str())));
        }
        int n = static_cast<int>(limits.size());
        Oid types[4] = {TEXTOID, TEXTARRAYOID, INT4ARRAYOID, OIDOID};
        Datum values[4] = {CStringGetTextDatum(my_label),
                           PointerGetDatum(construct_array(queues, n, TEXTOID, -1, false, TYPALIGN_INT)),
                           PointerGetDatum(construct_array(counts, n, INT4OID, 4, true, TYPALIGN_INT)),
                           ObjectIdGetDatum(bound_owner)};
        const char* nulls = OidIsValid(bound_owner) ? "    " : "   n";
        int rc = SPI_execute_with_args(
            "SELECT job_id, owner, body, timeout_ms, event_id, queue FROM cadence._executor_claim($1, $2, $3, $4)",
            4,
            types, values, nulls, false, 1);
        if (rc < 0) elog(ERROR, "pg_cadence executor: claiming failed: %d", rc);
        bool found = SPI_processed > 0;
        if (found) {
            HeapTuple row = SPI_tuptable->vals[0];
            TupleDesc desc = SPI_tuptable->tupdesc;
            bool null = false;
            claim.job_id = DatumGetInt64(SPI_getbinval(row, desc, 1, &null));
            claim.owner = DatumGetObjectId(SPI_getbinval(row, desc, 2, &null));
            claim.body = MemoryContextStrdup(run_context, SPI_getvalue(row, desc, 3));
            Datum timeout = SPI_getbinval(row, desc, 4, &null);
            claim.timeout_ms = null ? 0 : DatumGetInt64(timeout);
            claim.event_id = DatumGetInt64(SPI_getbinval(row, desc, 5, &null));
            char* queue = SPI_getvalue(row, desc, 6);
            TimestampTz now = GetCurrentTimestamp();
            // Before the commit: once it is visible, a cancel must find this slot holding it.
            LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
            forward_wake = my_slot->woken;
            my_slot->woken = false;
            my_slot->idle = false;
            my_slot->job_id = claim.job_id;
            my_slot->run_event_id = claim.event_id;
            my_slot->stop_requested = false;
            my_slot->stop_requested_at = 0;
            my_slot->run_started = now;
            my_slot->deadline = claim.timeout_ms > 0 ? now + claim.timeout_ms * 1000 : 0;
            my_slot->forced = ForcedBy::nothing;
            my_slot->unrecorded[0] = '\0';
            // A longer name is never in cadence.executor_queue_limits' short list.
            if (queue == nullptr || strlcpy(my_slot->queue, queue, sizeof(my_slot->queue)) >= sizeof(my_slot->queue))
                my_slot->queue[0] = '\0';
            LWLockRelease(executor_pool->lock);
        }
        commit_spi_transaction();
        return found;
    });
    // A wake that came while this executor was claiming was meant for another run:
    // this one is busy now, so another idle executor takes it.
    if (forward_wake) wake_executors(1);
    return claimed;
}

// PostgreSQL's text in the server encoding, as UTF-8 for the JSON of the event.
// Inside a transaction (a conversion looks up its function in the catalogs), with
// run_context current (the converted copy and a caught error are freed with it).
// On failure sets *failed (the transaction must then be rolled back) and keeps the
// text as it is: the JSON encoder replaces what is not UTF-8.
std::string utf8_text(const char* text, bool* failed) {
    if (text == nullptr) return {};
    const char* converted = text;
    try {
        converted = pg_guard([&]() noexcept {
            return pg_server_to_any(text, static_cast<int>(strlen(text)), PG_UTF8);
        });
    } catch (const PgError&) {
        *failed = true;
    }
    return std::string(converted);
}

core::RunError run_error_of(const ErrorData* e, bool* failed) {
    // A job may raise an error of any size: what is kept is cut, with a marker.
    auto kept = [&](const char* text) {
        return core::cut_utf8(utf8_text(text, failed), static_cast<size_t>(max_error_bytes), core::InputKind::error);
    };
    return core::RunError{unpack_sql_state(e->sqlerrcode), kept(e->message), kept(e->detail), kept(e->hint),
                          kept(e->context)};
}

// Records how a run ended in a transaction of its own. Should the details not be
// storable (an encoding problem), a plain message is recorded instead.
void record_ending(const Claim& claim, core::LifecycleAction action, const std::string& details) {
    static const std::string fallback =
        R"json({"error": "how the run ended could not be recorded (see the server log)"})json";
    const std::string action_name(core::to_string(action));
    char why[256] = "";
    for (const std::string* attempt : {&details, &fallback}) {
        try {
            MemoryContextSwitchTo(run_context);
            pg_guard([&]() noexcept {
                begin_spi_transaction("pg_cadence executor: recording how a run ended");
                (void)record_outcome(claim.job_id, action_name.c_str(), attempt->c_str());
                commit_spi_transaction();
            });
            return;
        } catch (const PgError& e) {
            ereport(WARNING, (errmsg("%s could not record how job %lld ended: %s", my_label,
                                     static_cast<long long>(claim.job_id), e.what())));
            copy_clipped(why, sizeof(why), e.what());
            pg_guard([&]() noexcept { AbortCurrentTransaction(); });
        }
    }
    // The run must not stay `running` with nobody running it: the executor ends, and
    // when the postmaster starts it again (a second later) it records the run as lost.
    ereport(LOG, (errmsg("%s ends so that job %lld, whose ending could not be recorded, is recorded "
                         "as a lost run by the scheduler",
                         my_label, static_cast<long long>(claim.job_id))));
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    strlcpy(my_slot->unrecorded, why[0] != '\0' ? why : "unknown error", sizeof(my_slot->unrecorded));
    LWLockRelease(executor_pool->lock);
    proc_exit(1);
}

// What the owner's SQL does besides its result, seen while it runs: the WARNINGs
// it raises (kept in fixed space: the hook runs while an error is being reported)
// and whether any of its transactions committed.
struct BodyWatch {
    bool active;
    bool committed;
    uint64 warnings;  // raised; the first core::max_warnings are kept
    char kept[core::max_warnings][core::max_warning_bytes];
};
BodyWatch watch;
emit_log_hook_type previous_emit_log_hook = nullptr;

void watch_messages(ErrorData* error) {
    if (watch.active && error->elevel == WARNING && error->message != nullptr) {
        if (watch.warnings < core::max_warnings)
            copy_clipped(watch.kept[watch.warnings], core::max_warning_bytes, error->message);
        watch.warnings++;
    }
    if (previous_emit_log_hook != nullptr) previous_emit_log_hook(error);
}

void watch_commits(XactEvent event, void*) {
    if (watch.active && event == XACT_EVENT_COMMIT) watch.committed = true;
}

void start_watching() {
    watch.active = true;
    watch.committed = false;
    watch.warnings = 0;
}

void stop_watching() { watch.active = false; }

// What was watched, as UTF-8 (see utf8_text).
core::RunNotes watched_notes(bool* failed) {
    core::RunNotes notes;
    for (uint64 i = 0; i < std::min<uint64>(watch.warnings, core::max_warnings); ++i)
        notes.warnings.push_back(utf8_text(watch.kept[i], failed));
    notes.warnings_left_out = watch.warnings - notes.warnings.size();
    notes.committed_before_error = watch.committed;
    return notes;
}

// Runs a claimed run: the owner's SQL as a top-level query string, as psql -c
// would send it (pg/top_level.hpp), then how it ended in a transaction of its own.
// What the SQL committed stays, also when a later statement of it fails.
void run_claimed(const Claim& claim) {
    using Clock = std::chrono::steady_clock;
    int armed_ms = 0;
    TopLevelResult result{};
    Clock::time_point armed{};
    Clock::time_point started{};
    Clock::time_point finished{};
    const ErrorData* caught = nullptr;  // a PostgreSQL error, copied into run_context
    bool left_open = false;
    std::string failure;                // or a C++ one
    // Every guard starts in run_context, so that a caught error outlives the abort.
    // A guarded call only returns values: nothing it writes is read after an error's
    // longjmp (locals changed between setjmp and longjmp would be indeterminate).
    auto guarded = [&](auto&& body) {
        MemoryContextSwitchTo(run_context);
        return pg_guard(body);
    };
    int libraries_before = loaded_libraries();
    // From the owner's settings on: a stored setting no longer valid warns, as at a login.
    start_watching();
    try {
        guarded([&]() noexcept {
            begin_spi_transaction("pg_cadence executor: becoming the job's owner");
            Owner owner = check_owner(claim.owner, claim.job_id);
            begin_owner_session(owner, claim.timeout_ms);
            commit_spi_transaction();
        });
        watch.committed = false;  // that commit was the executor's, not the body's
        guarded([&]() noexcept { begin_body(claim.job_id); });
        armed = Clock::now();
        armed_ms = guarded([&]() noexcept { return arm_run_timeout(); });
        started = Clock::now();
        // `result` is read only when this returns normally.
        guarded([&]() noexcept { run_top_level(claim.body, run_context, &result); });
        finished = Clock::now();
        left_open = result.left_open;
    } catch (const PgError& e) {
        caught = e.data();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    // Only the owner's SQL may be interrupted.
    bool stopped = end_body();
    stop_watching();
    // Undo what is left of it (a failed or still open transaction), become the
    // executor again and forget the run's session state, before any bookkeeping.
    guarded([&]() noexcept {
        leave_owner_sql();
        AbortOutOfAnyTransaction();
        end_owner_session();
        debug_query_string = nullptr;
        pgstat_report_activity(STATE_IDLE, nullptr);
    });
    guarded([&]() noexcept { discard_session_state(); });
    if (!OidIsValid(bound_owner) && owner_state_kept(libraries_before)) bound_owner = claim.owner;

    // The texts of what happened, as UTF-8: in a transaction of their own when
    // there is any (a conversion may read the catalogs).
    core::RunNotes notes;
    std::optional<core::RunError> pg_error;
    std::optional<core::RunValue> value;
    const char* returned = caught == nullptr && failure.empty() ? result.value : nullptr;
    if (caught != nullptr || watch.warnings > 0 || watch.committed || returned != nullptr) {
        bool conversion_failed = false;
        guarded([&]() noexcept { begin_worker_transaction(); });
        try {
            notes = watched_notes(&conversion_failed);
            if (caught != nullptr) pg_error = run_error_of(caught, &conversion_failed);
            if (returned != nullptr) value = core::RunValue{utf8_text(returned, &conversion_failed), result.value_cut};
        } catch (const std::exception&) {
            conversion_failed = true;  // out of memory: what was kept is recorded
        }
        guarded([&]() noexcept {
            if (conversion_failed) AbortCurrentTransaction(); else commit_worker_transaction();
        });
    }

    core::LifecycleAction action = core::LifecycleAction::fail;
    std::string details;
    if (caught == nullptr && failure.empty() && !left_open) {
        auto outcome = core::completed_run(result.command_tag, result.rows,
                                           std::chrono::duration_cast<core::Millis>(finished - started), notes,
                                           value);
        action = outcome.action;
        details = outcome.details;
    } else {
        try {
            core::RunError error = pg_error ? *pg_error
                                   : left_open       ? core::open_transaction_error()
                                   : stopped ? core::RunError{"57014", "the run was canceled", "", "", ""}
                                             : core::RunError{"XX000", failure, "", "", ""};
            // Timed from when the statement timeout was armed (at or after `armed`).
            auto elapsed = armed == Clock::time_point{}
                               ? core::Millis(0)
                               : std::chrono::duration_cast<core::Millis>(Clock::now() - armed);
            auto outcome = core::failed_run(error, stopped, elapsed, core::Millis(armed_ms), notes);
            action = outcome.action;
            details = outcome.details;
        } catch (const std::exception& e) {
            action = core::LifecycleAction::fail;
            details = R"json({"error": "the run failed; its error could not be described"})json";
        }
    }
    // A run canceled or deleted meanwhile is no longer this executor's to record.
    record_ending(claim, action, details);
}

void count_run() {
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    my_slot->runs++;
    LWLockRelease(executor_pool->lock);
}

// Ends the executor between runs: the scheduler starts a fresh backend in its
// place, free of what the bound owner left.
void start_afresh() {
    // The wake that found nothing of the bound owner's was for another owner's run:
    // the scheduler starts a fresh executor in this one's place once it has left.
    if (SchedulerState* slot = shared_state()) pg_atomic_fetch_add_u32(&slot->replacements_wanted, 1);
    pg_guard([&]() noexcept {
        ereport(DEBUG1, (errmsg("%s ends: runs of role with OID %u left state in its backend "
                                "that only a new backend is free of", my_label, bound_owner)));
        proc_exit(0);
    });
}

// Whether this executor should give its place to another database: one whose due
// runs found no executor to start (the pool, or the postmaster's worker slots, were
// full) and that has fewer executors than this one's. Databases so end up with
// equal shares; with fewer places than databases, they take turns run by run.
bool owes_place() {
    Oid starved[64];
    int count = 0;
    for (int i = 0; i < slot_count() && count < 64; ++i) {
        SchedulerState* slot = slot_at(i);
        Oid database = slot->database;
        if (OidIsValid(database) && database != MyDatabaseId && pg_atomic_read_u32(&slot->starved) != 0)
            starved[count++] = database;
    }
    if (count == 0) return false;
    int mine = 0;
    int executors[64] = {0};
    LWLockAcquire(executor_pool->lock, LW_SHARED);
    for (int i = 0; i < executor_pool->count; ++i) {
        Oid database = executor_pool->slots[i].database;
        if (database == MyDatabaseId) mine++;
        for (int j = 0; j < count; ++j)
            if (database == starved[j]) executors[j]++;
    }
    LWLockRelease(executor_pool->lock);
    for (int j = 0; j < count; ++j)
        if (executors[j] < mine) return true;
    return false;
}

// Claims and runs due runs until none is left.
void work() {
    for (;;) {
        mark_idle();
        MemoryContextReset(run_context);
        MemoryContextSwitchTo(run_context);
        Claim claim{};
        if (!claim_next(claim)) {
            if (OidIsValid(bound_owner)) start_afresh();
            return;
        }
        run_claimed(claim);
        count_run();
        pg_guard([&]() noexcept { CHECK_FOR_INTERRUPTS(); });
        (void)reload_configuration_if_asked();  // between runs
        if (owes_place()) {
            // Leaving frees the slot and wakes the waiting database's scheduler.
            pg_guard([&]() noexcept {
                ereport(DEBUG1, (errmsg("%s ends: another database waits for an executor", my_label)));
                proc_exit(0);
            });
        }
    }
}

// The loop owns no C++ object with a destructor (see scheduler_main).
void executor_main(Datum arg) {
    my_index = DatumGetInt32(arg);
    executor_label(my_index, my_label, sizeof(my_label));
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    // SIGTERM ends the executor at once, also mid-run (the run is recovered when it
    // restarts); SIGINT (set for database workers) cancels the running statement.
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    remember_server_settings();
    Oid database = InvalidOid;
    memcpy(&database, MyBgworkerEntry->bgw_extra, sizeof(database));
    BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);

    my_slot = &executor_pool->slots[my_index];
    LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
    // The scheduler reserved this slot for this database; it may since have given
    // it up (its database was dropped, it restarted): then there is nothing to do.
    bool mine = my_slot->database == database && my_slot->pid == 0 && my_slot->lost_job == no_job;
    if (mine) {
        my_slot->pid = MyProcPid;
        my_slot->procno = compat::my_proc_number();
        my_slot->idle = true;
        my_slot->woken = true;  // started for a due run: it looks at once
        my_slot->job_id = no_job;
        my_slot->runs = 0;
    }
    LWLockRelease(executor_pool->lock);
    if (!mine) proc_exit(0);
    before_shmem_exit(leave_slot, 0);
    run_context = AllocSetContextCreate(TopMemoryContext, "pg_cadence executor run", ALLOCSET_DEFAULT_SIZES);
    guard_session_authorization();
    previous_emit_log_hook = emit_log_hook;
    emit_log_hook = watch_messages;
    RegisterXactCallback(watch_commits, nullptr);
    hold_cancels();

    // Started by the scheduler of a database where the extension is: a version
    // mismatch (a library update ahead of ALTER EXTENSION UPDATE) ends it.
    if (!extension_installed()) proc_exit(0);
    for (;;) {
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        (void)reload_configuration_if_asked();  // between runs
        work();
        MemoryContextSwitchTo(TopMemoryContext);
        // Nothing due here, and another database waits for a place: this one is it.
        if (owes_place()) {
            LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
            bool woken = my_slot->woken;
            if (!woken) my_slot->idle = false;
            LWLockRelease(executor_pool->lock);
            if (!woken) proc_exit(0);
        }
        // Statistics still held back by the once-a-second limit go out before sleeping.
        (void)pgstat_report_stat(true);
        // Nothing due: after cadence.executor_idle_timeout with no wake, it ends.
        long timeout_ms = static_cast<long>(executor_idle_timeout) * 1000L;
        int woke = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout_ms,
                             PG_WAIT_EXTENSION);
        if (woke & WL_TIMEOUT) {
            LWLockAcquire(executor_pool->lock, LW_EXCLUSIVE);
            // A wake that came with the timeout is for this executor still.
            bool woken = my_slot->woken;
            if (!woken) my_slot->idle = false;  // no longer wakeable: it is leaving
            LWLockRelease(executor_pool->lock);
            if (!woken) proc_exit(0);
        }
    }
}

}  // namespace

}  // namespace cadence::pg

using namespace cadence;

extern "C" PGDLLEXPORT void cadence_executor_main(Datum arg);
void cadence_executor_main(Datum arg) { pg::run_worker_boundary(pg::executor_main, arg); }

