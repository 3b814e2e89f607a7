-- Catalog changes from 0.1.0 to 0.2.0. The function files follow this in the
-- built update script and are re-run as they are (CREATE OR REPLACE).

-- The lifecycle is now set-based (cadence._transit, cadence._step): the
-- row-at-a-time helpers of 0.1.0 go.
DROP FUNCTION cadence._apply(cadence.jobs_status, text, text, jsonb, interval, timestamptz, cadence.jobs);
DROP FUNCTION cadence._append_event(cadence.jobs_status, text, text, int, jsonb, timestamptz, timestamptz,
                                    text, interval, cadence.jobs);
DROP FUNCTION cadence._lock_job(oid, bigint);
DROP FUNCTION cadence._set_paused(oid, bigint, boolean);
DROP FUNCTION cadence._transition(bigint, text, int, int, boolean, text, text, text);
DROP FUNCTION cadence._retry_delay(interval, int);
DROP FUNCTION cadence._first_fire(jsonb, timestamptz);
DROP FUNCTION cadence._next_tick(jsonb, timestamptz, timestamptz);
DROP FUNCTION cadence._publish(bigint, bigint, text, text, int, text, timestamptz);
-- The scheduler's fire returns the queues to wake instead of sending NOTIFY
-- cadence_work itself (its publisher does), and no longer has an error column.
DROP FUNCTION cadence._tick(bigint[]);
-- An executor bound to one owner's state claims only that owner's runs.
DROP FUNCTION cadence._executor_claim(text, text[], int[]);
-- Internal twins that change language (sql -> plpgsql) are replaced in place by
-- CREATE OR REPLACE; their signatures stay.

-- Each event records its job's queue, so that a job's last events (deleted
-- included) can be published and replayed with it. Events written by 0.1.0 take
-- the queue their job has now; those of jobs deleted before the update have none.
ALTER TABLE cadence.job_events ADD COLUMN queue text;
ALTER TABLE cadence.job_events DISABLE TRIGGER append_only;
UPDATE cadence.job_events e SET queue = j.queue FROM cadence.jobs j WHERE j.id = e.job_id;
ALTER TABLE cadence.job_events ENABLE TRIGGER append_only;

-- cadence.max_jobs_per_role: a role's creations take turns on its row.
CREATE TABLE cadence.owner_turns (owner oid PRIMARY KEY);
REVOKE ALL ON cadence.owner_turns FROM PUBLIC;
