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

-- The longest queue name is the library's number (core::max_queue_name_bytes),
-- not a literal of its own.
CREATE FUNCTION cadence._max_queue_name_bytes() RETURNS int
    LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'cadence_max_queue_name_bytes';
ALTER TABLE cadence.jobs DROP CONSTRAINT jobs_queue_check,
    ADD CONSTRAINT jobs_queue_check CHECK (queue <> '' AND octet_length(queue) <= cadence._max_queue_name_bytes());

-- Each event records its job's queue, so that a job's last events (deleted
-- included) can be published and replayed with it. Events written by 0.1.0 take
-- the queue their job has now; those of jobs deleted before the update have none.
ALTER TABLE cadence.job_events ADD COLUMN queue text;
ALTER TABLE cadence.job_events DISABLE TRIGGER append_only;
UPDATE cadence.job_events e SET queue = j.queue FROM cadence.jobs j WHERE j.id = e.job_id;
ALTER TABLE cadence.job_events ENABLE TRIGGER append_only;

-- Scheduling is granted (cadence_user). Every role that owns jobs made under 0.1.0,
-- when every role could, is granted it, so that no existing owner is locked out.
DO $$
DECLARE
    r regrole;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cadence_user') THEN
        CREATE ROLE cadence_user NOLOGIN;
    END IF;
    FOR r IN SELECT DISTINCT j.owner FROM cadence.jobs j
             JOIN pg_catalog.pg_roles a ON a.oid = j.owner
             WHERE NOT a.rolsuper AND NOT pg_catalog.pg_has_role(j.owner, 'cadence_user', 'MEMBER')
    LOOP
        EXECUTE format('GRANT cadence_user TO %s', r);
    END LOOP;
END $$;

-- Worker roles, per owner and queue (cadence.grant_queue).
CREATE TABLE cadence.queue_grants (
    owner   regrole NOT NULL,
    queue   text NOT NULL,
    worker  regrole NOT NULL,
    granted_by regrole NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, queue, worker)
);
ALTER TABLE cadence.queue_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_grants ON cadence.queue_grants FOR SELECT
    USING (pg_catalog.pg_has_role(owner, 'USAGE') OR pg_catalog.pg_has_role(worker, 'USAGE')
           OR pg_catalog.pg_has_role('cadence_admin', 'USAGE'));
REVOKE ALL ON cadence.queue_grants FROM PUBLIC;
GRANT SELECT ON cadence.queue_grants TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('cadence.queue_grants', '');

-- cadence.max_jobs_per_role: a role's creations take turns on its row.
CREATE TABLE cadence.owner_turns (owner oid PRIMARY KEY);
REVOKE ALL ON cadence.owner_turns FROM PUBLIC;

-- How many jobs each owner has per queue and status, without counting them: the
-- lifecycle appends each change of a job's (queue, status) to job_count_changes
-- in the same transaction (insert-only, so writers never wait on one another), and
-- the scheduler folds them into job_counts about once a second. The counts are
-- the sum of both (cadence.status_counts); cadence.verify() checks them.
CREATE TABLE cadence.job_counts (
    owner   regrole NOT NULL,
    queue   text NOT NULL,
    status  text NOT NULL,
    jobs    bigint NOT NULL,
    PRIMARY KEY (owner, queue, status)
);
CREATE TABLE cadence.job_count_changes (
    owner   regrole NOT NULL,
    queue   text NOT NULL,
    status  text NOT NULL,
    delta   int NOT NULL
);
ALTER TABLE cadence.job_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadence.job_count_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_counts ON cadence.job_counts FOR SELECT
    USING (pg_catalog.pg_has_role(owner, 'USAGE') OR pg_catalog.pg_has_role('cadence_admin', 'USAGE'));
CREATE POLICY own_count_changes ON cadence.job_count_changes FOR SELECT
    USING (pg_catalog.pg_has_role(owner, 'USAGE') OR pg_catalog.pg_has_role('cadence_admin', 'USAGE'));
REVOKE ALL ON cadence.job_counts, cadence.job_count_changes FROM PUBLIC;
GRANT SELECT ON cadence.job_counts, cadence.job_count_changes TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('cadence.job_counts', '');
SELECT pg_catalog.pg_extension_config_dump('cadence.job_count_changes', '');
-- The counts of the jobs that exist now.
INSERT INTO cadence.job_counts SELECT owner, queue, status, count(*) FROM cadence.jobs_status GROUP BY 1, 2, 3;

-- The jobs page's list (cadence.recent_jobs) read by key, in its order: the group
-- of the status (3 running, 2 scheduled, 1 error and fatal, 0 the rest), then the
-- newest change; all of it, one queue's, one status's.
CREATE FUNCTION cadence._list_group(status text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE status WHEN 'running' THEN 3 WHEN 'scheduled' THEN 2 WHEN 'error' THEN 1 WHEN 'fatal' THEN 1
                       ELSE 0 END;
CREATE INDEX jobs_status_list ON cadence.jobs_status
    (cadence._list_group(status) DESC, changed_at DESC, job_id DESC);
CREATE INDEX jobs_status_queue_list ON cadence.jobs_status
    (queue, cadence._list_group(status) DESC, changed_at DESC, job_id DESC);
CREATE INDEX jobs_status_status_list ON cadence.jobs_status (status, changed_at DESC, job_id DESC);

-- The workers seen (cadence.workers): folded from the whole log, 0.1.0's events included.
-- Who handled the runs: per worker name, job owner and queue, when it was first and
-- last seen and how many runs it completed and failed. The scheduler folds the
-- event log into it about once a second, from worker_activity_folded.below on
-- (cadence._fold_worker_activity); cadence.workers adds the events not folded yet,
-- and the runs held now.
CREATE TABLE cadence.worker_activity (
    worker     text NOT NULL,
    owner      regrole NOT NULL,
    queue      text NOT NULL,
    first_seen timestamptz,  -- when it claimed, completed or failed a run, first and last
    last_seen  timestamptz,
    completed  bigint NOT NULL,
    failed     bigint NOT NULL,
    PRIMARY KEY (worker, owner, queue)
);
-- One row (written by the first fold): the events below this id are folded.
CREATE TABLE cadence.worker_activity_folded (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    below    bigint NOT NULL
);
-- Idle workers seen by a claim that found nothing (cadence._seen_idle): insert-only,
-- so that a worker's open transaction never holds a row the fold must write; the
-- scheduler folds them into worker_activity.last_seen with the log.
CREATE TABLE cadence.worker_sightings (
    worker  text NOT NULL,
    owner   regrole NOT NULL,
    queue   text NOT NULL,
    seen_at timestamptz NOT NULL
);
CREATE INDEX worker_sightings_worker ON cadence.worker_sightings (worker, queue, seen_at);
ALTER TABLE cadence.worker_activity ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadence.worker_sightings ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_activity ON cadence.worker_activity FOR SELECT
    USING (pg_catalog.pg_has_role(owner, 'USAGE') OR pg_catalog.pg_has_role('cadence_admin', 'USAGE'));
CREATE POLICY own_sightings ON cadence.worker_sightings FOR SELECT
    USING (pg_catalog.pg_has_role(owner, 'USAGE') OR pg_catalog.pg_has_role('cadence_admin', 'USAGE'));
REVOKE ALL ON cadence.worker_activity, cadence.worker_activity_folded, cadence.worker_sightings FROM PUBLIC;
GRANT SELECT ON cadence.worker_activity, cadence.worker_activity_folded, cadence.worker_sightings TO PUBLIC;
-- Not dumped: derived from the log, it is folded again from the restored events.
