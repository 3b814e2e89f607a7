#include "pg/scheduler.hpp"
#include "pg/compat.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/lock_backoff.hpp"
#include "core/timer_map.hpp"
#include "pg/boundary.hpp"
#include "pg/worker_transaction.hpp"
#include "pg/executor.hpp"
#include "pg/publication.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"
}

namespace cadence::pg {

namespace {

using core::TimerKind;
using core::TimerMap;

// Seconds before the postmaster restarts a scheduler that exited with an error.
// A job whose fire failed is tried again this much later.
constexpr int64 failed_retry_us = 60 * 1000 * 1000;
// Due timers acted upon in one transaction.
constexpr size_t fire_batch = 5000;
// Rows fetched from a cursor at a time.
constexpr long fetch_batch = 20000;
// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01).
constexpr int64 unix_to_postgres_us = int64(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

TimerMap timers;
// Jobs fired but not acted upon (row locked elsewhere, timer still due): each miss
// in a row makes the wait before the next look longer: 100 ms, 400 ms, 1.6 s, then 5 s.
core::LockBackoff backoff;
bool extension_ready = false;
uint64 seen_extension_generation = 0;  // see SchedulerState::extension_generation
// This scheduler's slot (given by the launcher) and database.
int my_index = -1;
SchedulerState* my_state = nullptr;
Oid my_database = InvalidOid;

int64 now_unix_us() { return GetCurrentTimestamp() + unix_to_postgres_us; }

// One row of (job_id, timer_at, timer_kind, note).
struct TimerRow {
    int64 job_id;
    int64 at_unix_us;   // valid when kind is set
    char kind[8];       // "" for no timer, "locked", "failed", or a TimerKind name
    char note[200];     // with "failed": the error; from a fire: the queue to wake, if any
};

void set_last_error(const char* message) {
    SchedulerState* state = my_state;
    SpinLockAcquire(&state->mutex);
    copy_clipped(state->last_error, sizeof(state->last_error), message);
    SpinLockRelease(&state->mutex);
}

// The plan of one of the few queries below, made once: a fire of one job should not
// parse and plan its query again. The plan cache makes it again when what it uses
// changes (the extension dropped and created again included).
SPIPlanPtr plan_of(const char* sql, int nargs, Oid* types) {
    // A fixed table: this runs where nothing may throw. The scheduler has five queries.
    static std::array<std::pair<const char*, SPIPlanPtr>, 8> plans{};
    for (auto& [text, plan] : plans) {
        if (text != sql && text != nullptr) continue;
        text = sql;
        return kept_plan(plan, sql, nargs, types, 0);
    }
    elog(ERROR, "pg_cadence: more scheduler queries than kept plans");
}

// Runs `sql` (with an optional int8[] argument) in a transaction of its own and
// hands its (job_id, timer_at, timer_kind, error) rows to `sink` a batch at a time,
// fetched through a cursor: a million timers never sit in memory twice.
template <typename Sink>
void for_each_timer_row(const char* sql, const std::vector<int64>* ids, Sink sink) {
    // The text of a batch's rows, freed batch by batch.
    MemoryContext rows_context = nullptr;
    Portal portal = pg_guard([&]() noexcept {
        begin_spi_transaction(sql);
        Oid types[1] = {INT8ARRAYOID};
        Datum values[1] = {0};
        if (ids != nullptr) {
            auto* elements = static_cast<Datum*>(palloc(sizeof(Datum) * std::max<size_t>(ids->size(), 1)));
            for (size_t i = 0; i < ids->size(); ++i) elements[i] = Int64GetDatum((*ids)[i]);
            values[0] = PointerGetDatum(construct_array(elements, static_cast<int>(ids->size()),
                                                        INT8OID, 8, true, TYPALIGN_DOUBLE));
        }
        rows_context = AllocSetContextCreate(CurrentMemoryContext, "pg_cadence timer rows",
                                             ALLOCSET_DEFAULT_SIZES);
        return SPI_cursor_open(nullptr, plan_of(sql, ids != nullptr ? 1 : 0, types), values, nullptr, false);
    });
    for (;;) {
        TimerRow* batch = nullptr;
        // A load of a million timers stops at a shutdown request: the map is not used.
        if (ShutdownRequestPending) break;
        uint64 count = pg_guard([&]() noexcept {
            SPI_cursor_fetch(portal, true, fetch_batch);
            uint64 n = SPI_processed;
            batch = static_cast<TimerRow*>(palloc0(sizeof(TimerRow) * std::max<uint64>(n, 1)));
            MemoryContext previous = MemoryContextSwitchTo(rows_context);
            for (uint64 i = 0; i < n; ++i) {
                HeapTuple tuple = SPI_tuptable->vals[i];
                TupleDesc desc = SPI_tuptable->tupdesc;
                bool null = false;
                batch[i].job_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &null));
                Datum at = SPI_getbinval(tuple, desc, 2, &null);
                if (!null) batch[i].at_unix_us = DatumGetTimestampTz(at) + unix_to_postgres_us;
                char* kind = SPI_getvalue(tuple, desc, 3);
                if (kind != nullptr) strlcpy(batch[i].kind, kind, sizeof(batch[i].kind));
                char* note = SPI_getvalue(tuple, desc, 4);
                if (note != nullptr) copy_clipped(batch[i].note, sizeof(batch[i].note), note);
            }
            MemoryContextSwitchTo(previous);
            MemoryContextReset(rows_context);
            SPI_freetuptable(SPI_tuptable);
            return n;
        });
        sink(batch, static_cast<size_t>(count));
        pg_guard([&]() noexcept { pfree(batch); });
        if (count == 0) break;
    }
    pg_guard([&]() noexcept {
        SPI_cursor_close(portal);
        commit_spi_transaction();
    });
}

// The rows of a query about a few jobs.
std::vector<TimerRow> query_timers(const char* sql, const std::vector<int64>& ids) {
    std::vector<TimerRow> rows;
    for_each_timer_row(sql, &ids, [&](const TimerRow* batch, size_t count) {
        rows.insert(rows.end(), batch, batch + count);
    });
    return rows;
}

void publish_stats() {
    SchedulerState* state = my_state;
    SpinLockAcquire(&state->mutex);
    state->timers = static_cast<int64>(timers.size());
    SpinLockRelease(&state->mutex);
}

// Rebuilds the map from the tables: at start, and whenever changes may have been lost.
void load_all_timers(bool resync) {
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    timers.clear();
    backoff.clear();
    int64 refused = 0;
    for_each_timer_row("SELECT job_id, timer_at, timer_kind, error FROM cadence._all_timers()",
                       nullptr, [&](const TimerRow* batch, size_t count) {
                           for (size_t i = 0; i < count; ++i) {
                               // Only a row written by hand has one: never a reason to stop.
                               if (batch[i].job_id <= 0) {
                                   refused++;
                                   continue;
                               }
                               if (auto kind = core::parse_timer_kind(batch[i].kind))
                                   timers.set(batch[i].job_id, batch[i].at_unix_us, *kind);
                           }
                       });
    if (refused > 0)
        pg_guard([&]() noexcept {
            ereport(WARNING, (errmsg("pg_cadence scheduler ignored %lld timers of jobs whose id is not positive",
                                     static_cast<long long>(refused)),
                              errhint("Such rows can only have been written by hand; delete them.")));
        });
    instr_time elapsed;
    INSTR_TIME_SET_CURRENT(elapsed);
    INSTR_TIME_SUBTRACT(elapsed, start);
    double ms = INSTR_TIME_GET_MILLISEC(elapsed);

    SchedulerState* state = my_state;
    SpinLockAcquire(&state->mutex);
    state->loaded_timers = static_cast<int64>(timers.size());
    state->load_ms = ms;
    state->last_load = GetCurrentTimestamp();
    if (resync) state->resyncs++;
    SpinLockRelease(&state->mutex);
    publish_stats();
    ereport(LOG, (errmsg("pg_cadence scheduler %s %zu timers in %.1f ms",
                         resync ? "resynchronised:" : "loaded", timers.size(), ms)));
}

// Applies (job_id, timer) rows to the map; ids in `asked` without a row have no timer.
// A timer set here from anything but a miss ends the job's backoff.
void apply_rows(const std::vector<int64>& asked, const std::vector<TimerRow>& rows, bool from_fire) {
    int64 now = now_unix_us();
    std::vector<int64> seen;
    seen.reserve(rows.size());
    for (const TimerRow& row : rows) {
        if (row.job_id <= 0) continue;  // written by hand (see load_all_timers)
        seen.push_back(row.job_id);
        if (strcmp(row.kind, "locked") == 0) {
            // Another transaction holds the job: it may change it (then its commit
            // reaches us through the ring), or it may not. Look again, later each time.
            timers.set(row.job_id, now + backoff.next_delay(row.job_id), TimerKind::fire);
            continue;
        }
        if (strcmp(row.kind, "failed") == 0) {
            // Acting on the job failed (the server log has a warning): try again later.
            std::string message = "job " + std::to_string(row.job_id) + ": " + row.note;
            set_last_error(message.c_str());
            backoff.forget(row.job_id);
            timers.set(row.job_id, now + failed_retry_us, TimerKind::fire);
            continue;
        }
        auto kind = core::parse_timer_kind(row.kind);
        if (!kind) {
            backoff.forget(row.job_id);
            timers.remove(row.job_id);
            continue;
        }
        if (from_fire && row.at_unix_us <= now) {
            // A timer just acted upon that is still due would spin: back off as for a lock.
            timers.set(row.job_id, now + backoff.next_delay(row.job_id), *kind);
            continue;
        }
        backoff.forget(row.job_id);
        timers.set(row.job_id, row.at_unix_us, *kind);
    }
    std::sort(seen.begin(), seen.end());
    for (int64 id : asked) {
        if (!std::binary_search(seen.begin(), seen.end(), id)) {
            backoff.forget(id);
            timers.remove(id);
        }
    }
}

// Re-reads the timers of jobs whose changes committed: O(log n) each.
void refresh(std::vector<int64> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    auto rows = query_timers(
        "SELECT job_id, timer_at, timer_kind, NULL FROM cadence.jobs_status WHERE job_id = ANY($1)",
        ids);
    apply_rows(ids, rows, false);
}

void take_in_changes();

// Fires `ids` (sorted) in one transaction, adding their rows to `rows`. When that
// fails, each half is fired in a transaction of its own, down to the job that
// fails, which gets a 'failed' row: one job's failure never holds up the others,
// and no subtransaction is opened per job (past 64 a transaction's subtransaction
// ids overflow the snapshot cache of every backend).
// A cancel, a shutdown or a FATAL error ends the scheduler's pass; any other error
// is the work's own (a job's fire, a fold), logged and tried again later.
bool ends_the_pass(const PgError& e) {
    return e.data()->sqlerrcode == ERRCODE_QUERY_CANCELED || e.data()->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
           e.data()->elevel >= FATAL;
}

void fire(const std::vector<int64>& ids, std::vector<TimerRow>& rows) {
    if (ids.empty()) return;
    std::string why;
    try {
        auto fired = query_timers("SELECT job_id, timer_at, timer_kind, wake FROM cadence._tick($1)", ids);
        rows.insert(rows.end(), fired.begin(), fired.end());
        return;
    } catch (const PgError& e) {
        // A cancel or a shutdown is not the jobs' fault: it ends this pass.
        if (ends_the_pass(e)) throw;
        why = e.what();
        pg_guard([&]() noexcept {
            FreeErrorData(e.data());
            AbortCurrentTransaction();
        });
    }
    if (ids.size() == 1) {
        pg_guard([&]() noexcept {
            ereport(WARNING, (errmsg("pg_cadence scheduler: job %lld: %s", static_cast<long long>(ids[0]),
                                     why.c_str()),
                              errdetail("The job is left as it was; its fire is tried again in a minute.")));
        });
        TimerRow failed{};
        failed.job_id = ids[0];
        strlcpy(failed.kind, "failed", sizeof(failed.kind));
        copy_clipped(failed.note, sizeof(failed.note), why.c_str());
        rows.push_back(failed);
        return;
    }
    auto middle = ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2);
    fire(std::vector<int64>(ids.begin(), middle), rows);
    fire(std::vector<int64>(middle, ids.end()), rows);
}

// Acts on every due timer, a batch per transaction.
void fire_due() {
    for (;;) {
        // A backlog of a million fires stops at a shutdown request, between batches.
        if (ShutdownRequestPending) return;
        std::vector<core::Timer> due = timers.pop_due(now_unix_us(), fire_batch);
        if (due.empty()) return;
        std::vector<int64> ids;
        ids.reserve(due.size());
        for (const auto& timer : due) ids.push_back(timer.job_id);
        std::sort(ids.begin(), ids.end());  // lock rows in a stable order
        std::vector<TimerRow> rows;
        fire(ids, rows);
        apply_rows(ids, rows, true);
        // External jobs' runs that became due: their workers are woken by the
        // publisher (NOTIFY cadence_work), after the fire committed.
        for (const TimerRow& row : rows)
            if (row.note[0] != '\0' && strcmp(row.kind, "failed") != 0) wake_workers_of(row.note);
        // "run": a SQL job's run became due; its executors wait on their latches.
        int runs = static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const TimerRow& row) {
            return strcmp(row.kind, "run") == 0;
        }));
        if (runs > 0) serve_runs(runs);
        SchedulerState* state = my_state;
        SpinLockAcquire(&state->mutex);
        state->fires += static_cast<int64>(due.size());
        SpinLockRelease(&state->mutex);
        publish_stats();
        // A long run of fires publishes as it goes: the hand-off ring must not
        // overflow while the scheduler is busy filling it.
        take_in_changes();
    }
}

// The last snapshot served, attached until the next one replaces it.
dsm_segment* served_snapshot = nullptr;

// Answers a pending request for a snapshot of the map (cadence.timers).
void serve_snapshot() {
    SchedulerState* state = my_state;
    SpinLockAcquire(&state->mutex);
    uint64 request = state->snapshot_request;
    bool pending = request != state->snapshot_done;
    int requester = state->snapshot_requester;
    SpinLockRelease(&state->mutex);
    if (!pending) return;

    const auto& all = timers.timers();
    dsm_segment* fresh = pg_guard([&]() noexcept {
        Size size = sizeof(TimerSnapshot) + sizeof(core::Timer) * all.size();
        dsm_segment* segment = dsm_create(size, 0);
        auto* snapshot = static_cast<TimerSnapshot*>(dsm_segment_address(segment));
        snapshot->magic = TimerSnapshot::expected_magic;
        snapshot->request = request;
        snapshot->count = static_cast<int64>(all.size());
        if (!all.empty()) memcpy(snapshot + 1, all.data(), sizeof(core::Timer) * all.size());
        dsm_pin_mapping(segment);  // past any resource owner: detached when replaced
        return segment;
    });
    SpinLockAcquire(&state->mutex);
    state->snapshot_handle = dsm_segment_handle(fresh);
    state->snapshot_done = request;
    SpinLockRelease(&state->mutex);
    // Readers of the previous snapshot keep it alive while attached; one that comes
    // too late finds it gone (or not what it asked for) and asks again.
    if (served_snapshot != nullptr) pg_guard([&]() noexcept { dsm_detach(served_snapshot); });
    served_snapshot = fresh;
    if (requester >= 0) SetLatch(&ProcGlobal->allProcs[requester].procLatch);
}

// Sets the timerfd to the earliest timer, or to `housekeeping_us` (a fold, a flush
// of progress) when that comes first; both in microseconds since the Unix epoch.
void arm(int timerfd, std::optional<int64> housekeeping_us) {
    itimerspec spec{};
    std::optional<int64> due = housekeeping_us;
    if (auto earliest = timers.earliest()) due = due ? std::min(*due, earliest->due_us) : earliest->due_us;
    if (due) {
        int64 at = std::max<int64>(*due, 1);
        spec.it_value.tv_sec = at / 1000000;
        spec.it_value.tv_nsec = (at % 1000000) * 1000;
    }
    if (timerfd_settime(timerfd, TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
        throw core::Error(core::ErrorKind::internal, std::string("timerfd_settime: ") + strerror(errno));
}

// Takes the slot's scheduler place; false when another scheduler holds it (a
// launcher restarted meanwhile started a second one) or the slot is no longer this
// database's.
bool publish_running() {
    SchedulerState* state = my_state;
    SpinLockAcquire(&state->mutex);
    bool mine = state->database == my_database && !state->paused &&
                (state->pid == 0 || state->pid == MyProcPid);
    if (mine) {
        state->pid = MyProcPid;
        state->procno = compat::my_proc_number();
        state->started_at = GetCurrentTimestamp();
        state->timers = 0;
        state->fires = 0;
        state->last_error[0] = '\0';
    }
    SpinLockRelease(&state->mutex);
    return mine;
}

// Runs on every exit, also FATAL, so the shared state never names a dead pid.
void publish_stopped(int, Datum) {
    SchedulerState* state = my_state;
    stop_publishing();
    SpinLockAcquire(&state->mutex);
    if (state->pid == MyProcPid) {
        state->pid = 0;
        state->procno = -1;
    }
    SpinLockRelease(&state->mutex);
    wake_launcher();
}

// Whether the extension is in this database. When it is not (or no longer), the
// slot is given back and the scheduler ends for good, with the executors of the
// database; a CREATE EXTENSION that committed meanwhile keeps the slot, and its
// commit wakes the scheduler to look again.
bool installed_or_end() {
    uint64 generation = pg_atomic_read_u64(&my_state->extension_generation);
    if (extension_installed()) return true;
    if (!release_slot(my_index, my_database, generation)) return false;
    stop_executors_of(my_database);
    pg_guard([&]() noexcept {
        ereport(DEBUG1, (errmsg("pg_cadence scheduler ends: the extension is not created in this database")));
        proc_exit(0);
    });
    return false;
}

// Whether jobs changed since the counts and the workers were last folded (or the
// workers' fold has more to take in), and when that was.
bool counts_changed = true;
TimestampTz counts_folded_at = 0;

// Folds cadence.job_count_changes into cadence.job_counts, and the event log's
// workers into cadence.worker_activity, at most once a second while jobs change:
// readers add what is not folded yet, so they read a second of changes at the
// most. A failure is logged and tried again a second later.
void fold_counts_and_workers() {
    TimestampTz now = GetCurrentTimestamp();
    if (!counts_changed || now - counts_folded_at < USECS_PER_SEC) return;
    counts_folded_at = now;
    try {
        bool more = pg_guard([&]() noexcept {
            static const char* sql = "SELECT cadence._fold_job_counts(), cadence._fold_worker_activity()";
            begin_spi_transaction(sql);
            int rc = SPI_execute_plan(plan_of(sql, 0, nullptr), nullptr, nullptr, false, 0);
            if (rc != SPI_OK_SELECT || SPI_processed != 1)
                elog(ERROR, "folding job counts and workers failed: %s", SPI_result_code_string(rc));
            bool null = false;
            bool more_waiting = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &null));
            commit_spi_transaction();
            return more_waiting && !null;
        });
        counts_changed = more;  // only once folded: a failure is tried again a second later
    } catch (const PgError& e) {
        if (ends_the_pass(e)) throw;
        std::string why = e.what();
        pg_guard([&]() noexcept {
            FreeErrorData(e.data());
            AbortCurrentTransaction();
            ereport(WARNING, (errmsg("pg_cadence scheduler: folding job counts and workers: %s", why.c_str())));
        });
    }
}

// When the next fold is due, in microseconds since the Unix epoch (for the timerfd).
std::optional<int64> fold_due_us() {
    if (!counts_changed) return std::nullopt;
    return counts_folded_at + USECS_PER_SEC + unix_to_postgres_us;
}

// When progress waits to be published (Unix epoch microseconds), if it does.
std::optional<int64> progress_due_us;

// Publishes what committed and takes in the changes other sessions committed.
void take_in_changes() {
    Drained drained = drain_and_publish();
    progress_due_us.reset();
    if (drained.progress_due) progress_due_us = *drained.progress_due + unix_to_postgres_us;
    if (!drained.job_ids.empty() || !drained.bulk_ranges.empty() || drained.published > 0 || drained.overflowed)
        counts_changed = true;
    // The extension was created (again) or updated: the map is rebuilt from its tables.
    uint64 generation = pg_atomic_read_u64(&my_state->extension_generation);
    if (generation != seen_extension_generation) {
        seen_extension_generation = generation;
        extension_ready = false;
        timers.clear();
        backoff.clear();
        publish_stats();
    }
    if (!extension_ready) {
        // Created again, updated or dropped: a new map, or the end of this scheduler.
        if (installed_or_end()) {
            load_all_timers(false);
            extension_ready = true;
        }
    } else if (drained.overflowed) {
        load_all_timers(true);
    } else if (!drained.job_ids.empty() || !drained.bulk_ranges.empty()) {
        // A bulk change's jobs are those of its events.
        for (const auto& [first, last] : drained.bulk_ranges) {
            auto rows = query_timers(
                "SELECT DISTINCT job_id, NULL::timestamptz, NULL, NULL FROM cadence.job_events "
                "WHERE id BETWEEN $1[1] AND $1[2]",
                {first, last});
            for (const TimerRow& row : rows) drained.job_ids.push_back(row.job_id);
        }
        refresh(std::move(drained.job_ids));
        publish_stats();
    }
}

// One pass: publish and take in committed changes, act on due timers, tend the
// executors, answer snapshots.
void work() {
    take_in_changes();
    if (extension_ready) {
        fire_due();
        tend_executors();
        fold_counts_and_workers();
    }
    serve_snapshot();
}

// The loop itself owns no C++ object with a destructor: PostgreSQL's errors may
// longjmp straight out of it (a worker's ERROR ends the process). The C++ work it
// calls runs through pg_guard and throws instead.
void scheduler_main(Datum arg) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();

    my_index = DatumGetInt32(arg);
    memcpy(&my_database, MyBgworkerEntry->bgw_extra, sizeof(my_database));
    my_state = slot_at(my_index);
    BackgroundWorkerInitializeConnectionByOid(my_database, InvalidOid, 0);
    if (!publish_running()) proc_exit(0);
    before_shmem_exit(publish_stopped, 0);
    // Not created here (the launcher's first look at every database): nothing to do.
    seen_extension_generation = pg_atomic_read_u64(&my_state->extension_generation);
    extension_ready = installed_or_end();
    become_publisher(my_index);
    pg_guard([&]() noexcept {
        StartTransactionCommand();
        ereport(LOG, (errmsg("pg_cadence scheduler started in database \"%s\"", get_database_name(MyDatabaseId))));
        CommitTransactionCommand();
    });
    // Runs left running by executors that are gone (a crash, a restart) are lost.
    if (extension_ready) recover_runs_of_gone_executors();

    // WaitLatch rounds to milliseconds; a timerfd beside the latch wakes us on time.
    int timerfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timerfd < 0) ereport(ERROR, (errmsg("pg_cadence scheduler: timerfd_create: %m")));
    WaitEventSet* events = compat::create_wait_event_set(3);
    AddWaitEventToSet(events, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
    AddWaitEventToSet(events, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
    AddWaitEventToSet(events, WL_SOCKET_READABLE, timerfd, nullptr, nullptr);

    // What waits in the ring is covered by the load below; a fresh ring's resync
    // notice goes out to listeners, but needs no second load here.
    (void)drain_and_publish();
    if (extension_ready) load_all_timers(false);

    for (;;) {
        work();
        auto fold_due = fold_due_us();
        arm(timerfd, fold_due && progress_due_us ? std::min(*fold_due, *progress_due_us)
                                                 : (fold_due ? fold_due : progress_due_us));
        // Statistics still held back by the once-a-second limit go out before sleeping.
        (void)pgstat_report_stat(true);

        // No timeout: the latch (a committed change, a snapshot request, a signal)
        // or the timerfd (the earliest timer) wakes us; nothing else does, unless
        // due runs wait for an executor that could not be started.
        WaitEvent event;
        int fired = WaitEventSetWait(events, executor_retry_ms(), &event, 1, PG_WAIT_EXTENSION);
        if (fired > 0 && event.events & WL_SOCKET_READABLE) {
            uint64 expirations;
            (void)!read(timerfd, &expirations, sizeof(expirations));
        }
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();

        if (ShutdownRequestPending) break;
        if (reload_configuration_if_asked())
            ereport(LOG, (errmsg("pg_cadence scheduler reloaded its configuration")));
    }

    ereport(LOG, (errmsg("pg_cadence scheduler shutting down")));
    // Exit code 1, with its slot still claimed: the launcher starts it again a
    // second later (after a pg_terminate_backend), unless the server is stopping.
    proc_exit(1);
}

}  // namespace

}  // namespace cadence::pg

void cadence_scheduler_main(Datum arg) {
    cadence::pg::run_worker_boundary(cadence::pg::scheduler_main, arg);
}
