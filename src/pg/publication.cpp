#include "pg/publication.hpp"
#include "pg/compat.hpp"

#include "pg/worker_transaction.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/input_limits.hpp"
#include "core/job_state.hpp"
#include "core/status_wire.hpp"
#include "pg/boundary.hpp"
#include "pg/convert.hpp"
#include "pg/event_horizon.hpp"
#include "pg/executor.hpp"
#include "pg/settings.hpp"
#include "pg/database_slots.hpp"
#include "pg/text.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
}

namespace cadence::pg {

bool publish_status = true;
int status_queue_size = 16384;

namespace {

constexpr const char* tranche_name = "pg_cadence publication";

// Event and status names travel as their index in core::event_names.
constexpr uint8 running_status = static_cast<uint8>(core::JobStatus::running);

uint8 name_index(const std::string& name) {
    if (auto index = core::event_index(name)) return static_cast<uint8>(*index);
    throw core::Error(core::ErrorKind::internal, "unknown job event \"" + name + "\"");
}

struct RingEntry {
    Oid database;  // the writer's: a slot freed and claimed again may still get a late entry
    int64 event_id;
    int64 job_id;
    TimestampTz at;
    int32 attempt;
    uint8 event;
    uint8 status;
    bool publish;  // false when cadence.publish_status was off for the writer
    bool by_publisher;  // written by the scheduler itself, which knows its own changes
    int32 bulk_count;   // > 0: a bulk change of this many events, ids event_id..job_id
    bool progress_only;  // not an event: a heartbeat's new progress (event_id 0)
    float4 progress;
    char queue[core::max_queue_name_bytes + 1];
};

struct Ring {
    LWLock* lock;
    uint64 head;         // next slot written (by committing backends)
    uint64 tail;         // next slot read (by the publisher)
    bool overflowed;     // events were dropped: the publisher must announce a resync
    int publisher_procno;  // whose latch to set, or -1
    uint32 capacity;
    RingEntry entries[FLEXIBLE_ARRAY_MEMBER];
};

// One ring per database slot (see database_slots.hpp), side by side.
char* rings = nullptr;
Ring* ring = nullptr;  // the publisher's own

Size one_ring_size() {
    return MAXALIGN(add_size(offsetof(Ring, entries), mul_size(sizeof(RingEntry), status_queue_size)));
}

Size rings_size() { return mul_size(one_ring_size(), max_databases); }

Ring* ring_of_slot(int index) { return reinterpret_cast<Ring*>(rings + one_ring_size() * index); }

void attach_rings() {
    bool found = false;
    rings = static_cast<char*>(ShmemInitStruct("pg_cadence publication rings", rings_size(), &found));
    if (!found) {
        LWLockPadded* locks = GetNamedLWLockTranche(tranche_name);
        for (int i = 0; i < max_databases; ++i) {
            Ring* r = ring_of_slot(i);
            r->lock = &locks[i].lock;
            r->head = 0;
            r->tail = 0;
            // Whatever was committed before this memory existed was never published.
            r->overflowed = true;
            r->publisher_procno = -1;
            r->capacity = static_cast<uint32>(status_queue_size);
        }
    }
}

// This backend's events of the current transaction, with the subtransaction that
// wrote each, so that a rolled-back savepoint takes its events with it.
struct Pending {
    RingEntry entry;
    SubTransactionId subxact;
};
std::vector<Pending> pending;
// Heartbeats' progress in this transaction, the latest per job: not events, so
// they take no id and leave the horizon alone.
std::vector<Pending> pending_progress;
bool callbacks_registered = false;
bool am_publisher = false;  // this process is the publisher: the scheduler
bool publication_failing = false;  // the last publication failed: a resync is owed
// The publisher's horizon (see event_horizon.hpp): the largest event id it has
// drained from the ring (or found in the sequence at its start), the horizon it has
// reached, and the one listeners were last sent.
int64 max_drained = 0;
bool sequence_read = false;
int64 horizon = 0;
int64 announced_horizon = 0;
// Queues whose external workers are to be woken (NOTIFY cadence_work) with the next
// publication: a handful, kept until a publication commits.
std::vector<std::string> pending_wakes;
// The publisher's progress to send, the latest per job, and when it may send
// progress again (every core::progress_interval_ms at most).
std::unordered_map<int64, RingEntry> progress_waiting;
TimestampTz progress_sendable_at = 0;

// Hands this transaction's events to the publisher. Runs after the commit is
// durable and visible, and may not fail: a full ring drops events and flags a resync.
// Returns the publisher's PGPROC number (to wake), or -1.
int push_committed() noexcept {
    SchedulerState* slot = pending.empty() && pending_progress.empty() ? nullptr : shared_state();
    if (slot == nullptr) {
        // Not served (yet): its scheduler loads everything when it starts.
        pending.clear();
        pending_progress.clear();
        return -1;
    }
    Ring* ring = ring_of_slot(slot_index(slot));
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
        return a.entry.event_id < b.entry.event_id;
    });
    // A run that is no longer running (canceled, deleted) stops its executor's statement.
    try {
        std::vector<CommittedStatus> changes;
        changes.reserve(pending.size());
        for (const Pending& p : pending)
            changes.push_back({p.entry.job_id, p.entry.event_id, p.entry.status == running_status});
        stop_runs_ended_by(changes);
    } catch (...) {
        // Out of memory: the executor finds out when it records the run, and rolls it back.
    }
    // A transaction of more events than an eighth of the ring (another role's
    // create_jobs of 100,000, say) takes one entry: listeners read its events from
    // the log by id, and those who see none of its jobs are not pushed into a
    // resync. The scheduler's own fires are published one by one.
    if (!am_publisher && pending.size() > std::max<size_t>(64, ring->capacity / 8)) {
        RingEntry bulk = pending.front().entry;
        bulk.job_id = pending.back().entry.event_id;
        bulk.bulk_count = static_cast<int32>(std::min<size_t>(pending.size(), INT32_MAX));
        pending.resize(1);
        pending.front().entry = bulk;
    }
    int procno;
    LWLockAcquire(ring->lock, LW_EXCLUSIVE);
    for (const Pending& p : pending) {
        if (ring->head - ring->tail >= ring->capacity) {
            ring->overflowed = true;
            break;
        }
        ring->entries[ring->head % ring->capacity] = p.entry;
        ring->entries[ring->head % ring->capacity].database = MyDatabaseId;
        ring->head++;
    }
    // Progress only while the ring is less than half full, so that heartbeats never
    // crowd out events (which would cost every listener a resync): a later
    // heartbeat sends it again, and nothing needs replaying for it.
    for (const Pending& p : pending_progress) {
        if (ring->head - ring->tail >= ring->capacity / 2) break;
        ring->entries[ring->head % ring->capacity] = p.entry;
        ring->entries[ring->head % ring->capacity].database = MyDatabaseId;
        ring->head++;
    }
    procno = ring->publisher_procno;
    LWLockRelease(ring->lock);
    pending.clear();
    pending_progress.clear();
    return procno;
}

// Owns nothing with a destructor: its ereport may leave it.
void on_xact(XactEvent event, void*) {
    switch (event) {
    case XACT_EVENT_COMMIT: {
        int publisher = push_committed();
        // The floor goes before the publisher wakes, so that its horizon passes these events.
        release_event_floor(false);
        if (publisher >= 0) SetLatch(&ProcGlobal->allProcs[publisher].procLatch);
        break;
    }
    case XACT_EVENT_PRE_PREPARE:
        // COMMIT PREPARED runs later, in another session, where nothing would hand
        // these events to the publisher or tell the scheduler: refused while the
        // transaction can still be rolled back.
        if (!pending.empty()) {
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("cannot PREPARE a transaction that changed pg_cadence jobs"),
                            errdetail("The transaction changed %zu jobs' status; a prepared transaction "
                                      "would commit them without publishing them or telling the scheduler.",
                                      pending.size()),
                            errhint("Change jobs in a transaction of their own, outside two-phase commit.")));
        }
        break;
    case XACT_EVENT_PREPARE:
        // Only ids of rolled-back savepoints can be left (see PRE_PREPARE); progress
        // would come at COMMIT PREPARED, where nobody sends it: the next heartbeat will.
        pending_progress.clear();
        release_event_floor(true);
        break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
        pending.clear();
        pending_progress.clear();
        release_event_floor(true);
        break;
    default:
        break;
    }
}

void on_subxact(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        std::erase_if(pending, [mine](const Pending& p) { return p.subxact == mine; });
        std::erase_if(pending_progress, [mine](const Pending& p) { return p.subxact == mine; });
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (Pending& p : pending)
            if (p.subxact == mine) p.subxact = parent;
        for (Pending& p : pending_progress)
            if (p.subxact == mine) p.subxact = parent;
    }
}

}  // namespace

void request_publication_shmem() {
    request_shmem_part({rings_size, tranche_name, attach_rings, max_databases});
}

void become_publisher(int slot) {
    am_publisher = true;
    ring = ring_of_slot(slot);
    LWLockAcquire(ring->lock, LW_EXCLUSIVE);
    // What a former user of this slot left is not this database's; what this
    // database committed before now is covered by the scheduler's first load.
    ring->tail = ring->head;
    ring->overflowed = true;
    ring->publisher_procno = compat::my_proc_number();
    LWLockRelease(ring->lock);
}

void wake_workers_of(const char* queue) {
    if (std::find(pending_wakes.begin(), pending_wakes.end(), queue) == pending_wakes.end())
        pending_wakes.emplace_back(queue);
}

void stop_publishing() noexcept {
    if (ring == nullptr) return;
    LWLockAcquire(ring->lock, LW_EXCLUSIVE);
    if (ring->publisher_procno == compat::my_proc_number()) ring->publisher_procno = -1;
    LWLockRelease(ring->lock);
}

Drained drain_and_publish() {
    Drained drained;
    std::vector<core::StatusEvent> events;
    std::vector<core::EventRange> ranges;
    bool resync = false;
    for (;;) {
        // What can still arrive below this bound is in the ring now, or is taken by a
        // backend whose floor is set (event_horizon.hpp).
        int64 bound = std::min(lowest_event_floor(), max_drained + 1);
        std::vector<RingEntry> batch;
        batch.reserve(4096);  // before the lock: nothing may throw while it is held
        LWLockAcquire(ring->lock, LW_EXCLUSIVE);
        while (ring->tail != ring->head && batch.size() < 4096) {
            batch.push_back(ring->entries[ring->tail % ring->capacity]);
            ring->tail++;
        }
        bool empty_now = ring->tail == ring->head;
        if (empty_now && ring->overflowed) {
            resync = true;
            ring->overflowed = false;
        }
        LWLockRelease(ring->lock);

        for (const RingEntry& e : batch) {
            if (e.database != MyDatabaseId) continue;
            if (e.progress_only) {
                // The ring is in commit order: a later entry is the newer progress.
                progress_waiting[e.job_id] = e;
                continue;
            }
            // A job's status moved on: progress of the run before it is stale.
            if (!progress_waiting.empty() && e.bulk_count == 0) progress_waiting.erase(e.job_id);
            max_drained = std::max(max_drained, e.bulk_count > 0 ? e.job_id : e.event_id);
            if (e.bulk_count > 0) {
                drained.bulk_ranges.push_back({e.event_id, e.job_id});
                if (e.publish) ranges.push_back({e.event_id, e.job_id});
                continue;
            }
            // The scheduler's own fires set its map already, from their results.
            if (!e.by_publisher) drained.job_ids.push_back(e.job_id);
            if (!e.publish) continue;
            events.push_back(core::StatusEvent{
                e.event_id, e.job_id, std::string(core::event_names[e.event]), std::string(core::event_names[e.status]),
                e.attempt, std::string(e.queue, strnlen(e.queue, sizeof(e.queue))),
                core::format_instant(to_instant(e.at, "event time"))});
        }
        if (!empty_now) continue;
        // Everything pushed before the bound was read is drained now.
        horizon = std::max(horizon, bound);
        // One more pass after a non-empty one, so that the horizon passes what it took.
        if (batch.empty()) break;
    }
    drained.overflowed = resync;
    drained.published = static_cast<int>(events.size());
    // Progress goes out every core::progress_interval_ms at most: a job whose worker
    // heartbeats faster is sent its latest progress at that rate.
    TimestampTz now = GetCurrentTimestamp();
    std::vector<core::ProgressUpdate> progress;
    if (!progress_waiting.empty() && now >= progress_sendable_at) {
        progress.reserve(progress_waiting.size());
        for (const auto& [job_id, e] : progress_waiting)
            progress.push_back({e.job_id, std::string(e.queue, strnlen(e.queue, sizeof(e.queue))), e.progress,
                                core::format_instant(to_instant(e.at, "heartbeat time"))});
        progress_waiting.clear();
        progress_sendable_at = now + core::progress_interval_ms * INT64CONST(1000);
    }
    if (!progress_waiting.empty()) drained.progress_due = progress_sendable_at;
    // While publication fails, each pass tries again (with the resync owed) until it works.
    bool horizon_moved = horizon > announced_horizon;
    if (events.empty() && ranges.empty() && !resync && !publication_failing && pending_wakes.empty() &&
        !horizon_moved && progress.empty())
        return drained;

    std::vector<std::string> payloads =
        core::encode_status_batches(events, resync || publication_failing, core::max_payload_bytes, ranges,
                                    horizon_moved ? horizon : 0);
    for (std::string& payload : core::encode_progress_batches(progress)) payloads.push_back(std::move(payload));
    try {
        pg_guard([&]() noexcept {
            begin_worker_transaction();
            // Nothing here needs to outlive a crash (notifications never do), and every
            // event published was committed, and flushed as its own transaction asked,
            // before it reached the ring: waiting for this commit's WAL flush would only
            // double the flushes of each fire.
            (void)set_config_option("synchronous_commit", "off", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
                                    true, 0, false);
            pgstat_report_activity(STATE_RUNNING, "pg_cadence: publishing status");
            if (fail_publication_for_tests)
                ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                                errmsg("publication fails on purpose (cadence.fail_publication_for_tests)")));
            // PostgreSQL (13 and later) moves the NOTIFY queue's tail only when a
            // NOTIFY crosses a few pages or pg_notification_queue_usage() runs: after
            // the queue was full, no NOTIFY gets through to move it, however long ago
            // the listeners read everything. This call moves it.
            if (publication_failing) (void)DirectFunctionCall1(pg_notification_queue_usage, (Datum)0);
            if (!sequence_read) max_drained = std::max(max_drained, event_sequence_last_value());
            for (const std::string& payload : payloads) Async_Notify(status_channel, payload.c_str());
            for (const std::string& queue : pending_wakes) Async_Notify(work_channel, queue.c_str());
            commit_worker_transaction();  // a full NOTIFY queue fails here
            pgstat_report_activity(STATE_IDLE, nullptr);
        });
        pending_wakes.clear();
        sequence_read = true;
        announced_horizon = horizon;
        if (publication_failing) {
            publication_failing = false;
            pg_guard([&]() noexcept {
                ereport(LOG, (errmsg("pg_cadence publishes status changes again; listeners were sent a resync")));
            });
        }
    } catch (const PgError& e) {
        // Scheduling must go on: the events drained are lost to listeners, who get
        // a resync when publication works again. Said once per episode.
        std::string why = e.what();
        pg_guard([&]() noexcept {
            FreeErrorData(e.data());
            AbortCurrentTransaction();
            pgstat_report_activity(STATE_IDLE, nullptr);
            if (!publication_failing)
                ereport(WARNING, (errmsg("pg_cadence could not publish %zu status changes: %s", events.size(),
                                         why.c_str()),
                                  errdetail("Jobs keep firing and running; listeners get a resync notice "
                                            "when publication works again."),
                                  errhint("A full NOTIFY queue means a listener stopped reading: "
                                          "pg_notification_queue_usage() shows how full it is.")));
        });
        publication_failing = true;
    }
    return drained;
}


}  // namespace cadence::pg

using namespace cadence;

namespace cadence::pg {

void ensure_publication_callbacks() {
    if (callbacks_registered) return;
    pg_guard([&]() noexcept {
        RegisterXactCallback(on_xact, nullptr);
        RegisterSubXactCallback(on_subxact, nullptr);
    });
    callbacks_registered = true;
}

void publish_event(int64 event_id, int64 job_id, const char* event, const char* status, int attempt,
                   const char* queue, TimestampTz at) {
    // Events go to the scheduler even when they are not to be published.
    if (!shared_memory_ready()) return;
    ensure_publication_callbacks();
    RingEntry entry{};
    entry.event_id = event_id;
    entry.job_id = job_id;
    entry.event = name_index(event);
    entry.status = name_index(status);
    entry.attempt = attempt;
    strlcpy(entry.queue, queue, sizeof(entry.queue));
    entry.at = at;
    entry.publish = publish_status;
    entry.by_publisher = am_publisher;
    pending.push_back(Pending{entry, GetCurrentSubTransactionId()});
}

void publish_progress(int64 job_id, const char* queue, float4 progress, TimestampTz at) {
    // Only listeners want it: the scheduler has nothing to do with progress.
    if (!shared_memory_ready() || !publish_status) return;
    ensure_publication_callbacks();
    // The latest of a job replaces the one before it only within one
    // subtransaction: a rolled-back savepoint must take its own progress with it.
    SubTransactionId subxact = GetCurrentSubTransactionId();
    auto last = std::find_if(pending_progress.rbegin(), pending_progress.rend(),
                             [&](const Pending& p) { return p.entry.job_id == job_id; });
    if (last != pending_progress.rend() && last->subxact == subxact) {
        last->entry.progress = progress;
        last->entry.at = at;
        return;
    }
    RingEntry entry{};
    entry.job_id = job_id;
    entry.progress_only = true;
    entry.progress = progress;
    entry.at = at;
    entry.publish = true;
    strlcpy(entry.queue, queue, sizeof(entry.queue));
    pending_progress.push_back(Pending{entry, subxact});
}

void publish_event_args(FunctionCallInfo fcinfo) {
    std::string event = text_arg(fcinfo, 2);
    std::string status = text_arg(fcinfo, 3);
    std::string queue = PG_ARGISNULL(5) ? std::string() : text_arg(fcinfo, 5);
    publish_event(PG_GETARG_INT64(0), PG_GETARG_INT64(1), event.c_str(), status.c_str(), PG_GETARG_INT32(4),
                  queue.c_str(), PG_GETARG_TIMESTAMPTZ(6));
}

}  // namespace cadence::pg
