-------------------------------------------------------------------------------
-- The public API. Each is cadence_call_as_caller (src/pg/sql_api.cpp, its work in
-- src/pg/call_as_caller.cpp),
-- which calls the internal function cadence._<name>(caller, ...) with the role
-- that called it, after bounding its inputs.
-------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION cadence.create_job(name text, trigger jsonb, sql text DEFAULT NULL,
                                   payload jsonb DEFAULT NULL, queue text DEFAULT 'default',
                                   max_attempts int DEFAULT 3, backoff interval DEFAULT '10 seconds',
                                   timeout interval DEFAULT NULL)
    RETURNS bigint LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.create_job(text, jsonb, text, jsonb, text, int, interval, interval) IS
    'creates a job: with sql it runs inside the database, with payload (or neither) it is for external workers';

CREATE OR REPLACE FUNCTION cadence.create_jobs(names text[], trigger jsonb, payloads jsonb[] DEFAULT NULL,
                                               sql text[] DEFAULT NULL, queue text DEFAULT 'default',
                                               max_attempts int DEFAULT 3,
                                               backoff interval DEFAULT '10 seconds',
                                               timeout interval DEFAULT NULL)
    RETURNS SETOF bigint LANGUAGE c VOLATILE ROWS 100 AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.create_jobs(text[], jsonb, jsonb[], text[], text, int, interval, interval) IS
    'creates one job per name in one statement (payloads or sql: one entry per name); returns their ids';

CREATE OR REPLACE FUNCTION cadence.alter_job(job_id bigint, trigger jsonb DEFAULT NULL, sql text DEFAULT NULL,
                                  payload jsonb DEFAULT NULL, name text DEFAULT NULL,
                                  queue text DEFAULT NULL, max_attempts int DEFAULT NULL,
                                  backoff interval DEFAULT NULL, timeout interval DEFAULT NULL)
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.alter_job(bigint, jsonb, text, jsonb, text, text, int, interval, interval) IS
    're-deploys a job: the arguments given replace the current ones (recorded as an altered event)';

CREATE OR REPLACE FUNCTION cadence.pause_job(job_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
CREATE OR REPLACE FUNCTION cadence.resume_job(job_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
CREATE OR REPLACE FUNCTION cadence.run_job_now(job_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
CREATE OR REPLACE FUNCTION cadence.cancel_job(job_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
CREATE OR REPLACE FUNCTION cadence.delete_job(job_id bigint) RETURNS void
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';

CREATE OR REPLACE FUNCTION cadence.claim(queue text, worker text, max_jobs int DEFAULT 1,
                              lease interval DEFAULT '5 minutes')
    RETURNS TABLE (job_id bigint, name text, attempt int, payload jsonb, fire_time timestamptz,
                   run_at timestamptz, lease_expires_at timestamptz)
    LANGUAGE c VOLATILE ROWS 1 AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.claim(text, text, int, interval) IS
    'claims up to max_jobs due runs of a queue for a worker (FOR UPDATE SKIP LOCKED)';

CREATE OR REPLACE FUNCTION cadence.heartbeat(job_id bigint, worker text, progress real DEFAULT NULL)
    RETURNS timestamptz LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.heartbeat(bigint, text, real) IS
    'extends the lease of a claimed run by its length and records progress (0-100); returns the new expiry';

CREATE OR REPLACE FUNCTION cadence.complete(job_id bigint, worker text, result jsonb DEFAULT NULL)
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
CREATE OR REPLACE FUNCTION cadence.fail(job_id bigint, worker text, error text, traceback text DEFAULT NULL)
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';

-- Batches: a worker finishes many runs in one call and one transaction. (Named
-- apart from complete and fail: an overload would make calls with untyped
-- parameters, as drivers send them, ambiguous.)
CREATE OR REPLACE FUNCTION cadence.complete_batch(job_ids bigint[], worker text, results jsonb[] DEFAULT NULL)
    RETURNS TABLE (job_id bigint, status text, refused text)
    LANGUAGE c VOLATILE ROWS 10 AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.complete_batch(bigint[], text, jsonb[]) IS
    'the holder reports success of many runs at once; a run no longer held is returned with the reason in refused';
CREATE OR REPLACE FUNCTION cadence.fail_batch(job_ids bigint[], worker text, errors text[],
                                              tracebacks text[] DEFAULT NULL)
    RETURNS TABLE (job_id bigint, status text, refused text)
    LANGUAGE c VOLATILE ROWS 10 AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.fail_batch(bigint[], text, text[], text[]) IS
    'the holder reports failure of many runs at once; a run no longer held is returned with the reason in refused';
CREATE OR REPLACE FUNCTION cadence.complete_and_claim(job_ids bigint[], worker text, queue text,
                                                      max_jobs int DEFAULT 1,
                                                      lease interval DEFAULT '5 minutes',
                                                      results jsonb[] DEFAULT NULL)
    RETURNS TABLE (job_id bigint, name text, attempt int, payload jsonb, fire_time timestamptz,
                   run_at timestamptz, lease_expires_at timestamptz)
    LANGUAGE c VOLATILE ROWS 1 AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.complete_and_claim(bigint[], text, text, int, interval, jsonb[]) IS
    'completes the worker''s runs and claims its next ones, in one call and one transaction';
-- Worker roles: a role that works a queue's runs without joining the owner's role.
CREATE OR REPLACE FUNCTION cadence.grant_queue(queue text, worker regrole, owner regrole DEFAULT NULL)
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.grant_queue(text, regrole, regrole) IS
    'lets worker (and its members) claim, heartbeat, complete and fail the runs of owner''s jobs (the caller''s by default) in queue';
CREATE OR REPLACE FUNCTION cadence.revoke_queue(queue text, worker regrole, owner regrole DEFAULT NULL)
    RETURNS void LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.revoke_queue(text, regrole, regrole) IS
    'takes back what grant_queue gave';

CREATE OR REPLACE FUNCTION cadence.prune_events(older_than interval) RETURNS bigint
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cadence_call_as_caller';
COMMENT ON FUNCTION cadence.prune_events(interval) IS
    'deletes events older than the given age, keeping each job''s latest status event (cadence_admin only)';
