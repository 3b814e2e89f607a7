// Status publication: committed events travel from the committing backend to the
// publisher (in the scheduler worker) through a ring in shared memory; the
// publisher sends them with NOTIFY cadence_status in batches. User transactions
// never NOTIFY themselves, so they never take NOTIFY's cluster-wide commit lock.
// The same ring tells the scheduler which jobs changed.
#pragma once
#include "pg/postgres.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace cadence::pg {

// The channel status notifications are sent on.
inline constexpr const char* status_channel = "cadence_status";
inline constexpr const char* work_channel = "cadence_work";

// GUCs: cadence.publish_status (on/off) and cadence.status_queue_size (entries).
extern bool publish_status;
extern int status_queue_size;

// Called from _PG_init while preloading: the ring and its lock.
void request_publication_shmem();

// Queues a written event for publication when (and if) the current transaction
// commits. C++: call it outside pg_guard.
void publish_event(int64 event_id, int64 job_id, const char* event, const char* status, int attempt,
                   const char* queue, TimestampTz at);
// Queues a heartbeat's new progress of a running job for publication at commit
// (NOTIFY type "progress", at most every core::progress_interval_ms per job). C++:
// call it outside pg_guard.
void publish_progress(int64 job_id, const char* queue, float4 progress, TimestampTz at);
// The same with the arguments of cadence._publish_event: (event_id, job_id, event,
// status, attempt, queue, at).
void publish_event_args(FunctionCallInfo fcinfo);

// Makes sure this backend hands its events to the publisher at commit (and lets go
// of its event floor, see event_horizon.hpp, at the end of the transaction).
void ensure_publication_callbacks();

// The publisher's side, in the scheduler worker of the database: takes over the
// ring of its slot, `slot` (what it held is covered by the scheduler's first load).
void become_publisher(int slot);
// At the scheduler's exit: committing sessions stop waking it.
void stop_publishing() noexcept;

// What the ring held: the jobs whose events were committed (the scheduler refreshes
// their timers), whether events were lost (the scheduler resynchronises), and how
// many were published.
struct Drained {
    std::vector<int64> job_ids;
    // Bulk changes (first, last event id): their jobs are found in the event log.
    std::vector<std::pair<int64, int64>> bulk_ranges;
    bool overflowed = false;
    int published = 0;
    // Progress is waiting to be sent at this time (the publisher must wake then).
    std::optional<TimestampTz> progress_due;
};
// Asks the next publication to wake the external workers of `queue` (NOTIFY
// cadence_work): a run of theirs became due. Kept until a publication commits.
void wake_workers_of(const char* queue);

// Takes everything waiting in the ring and publishes it with NOTIFY, with the
// wakes asked for.
Drained drain_and_publish();

}  // namespace cadence::pg
