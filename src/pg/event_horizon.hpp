// The status horizon: an event id below which every event of this database has
// been published or rolled back, so that a consumer can resume from a position that
// misses nothing although event ids commit out of order.
//
// Each backend that takes event ids says so in shared memory first (its floor: no
// id it takes in this transaction is lower), and clears the floor once its events
// are in the publisher's ring (or rolled back). Before each pass over the ring the
// publisher reads the lowest floor of its database: together with the largest id
// it had drained before, that bounds what can still arrive. See
// docs/status-positions.md for why this is complete.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// Called from _PG_init while preloading: one floor per backend.
void request_event_horizon_shmem();

// The next event id of this database, from sequence `sequence`, after this
// backend's floor is set. Every writer of cadence.job_events takes its ids here.
int64 next_event_id(Oid sequence);

// Clears this backend's floor: its events were handed to the publisher (commit) or
// are gone (rollback). `rolled_back`: tell the publisher, whose horizon may move.
void release_event_floor(bool rolled_back) noexcept;

// The lowest floor of a backend of this database, INT64_MAX when none is set, or 0
// when it cannot be told now: a backend has set its floor and not yet learnt its
// first id (a matter of one nextval).
int64 lowest_event_floor() noexcept;

// The last event id taken before now (0 for none): ids taken from here on are
// larger. In a transaction; may ereport.
int64 event_sequence_last_value();

// A horizon computed now: every event id below it is committed or rolled back.
// In a transaction; may ereport; waits while lowest_event_floor() cannot tell.
int64 settled_horizon();

}  // namespace cadence::pg
