-------------------------------------------------------------------------------
-- The job lifecycle. Every move of a job (create, claim, heartbeat, complete, fail,
-- cancel, pause, resume, run now, alter, delete, and the scheduler's fires,
-- retries and lease expiries) is decided by the core (src/core/job_lifecycle.cpp)
-- and written by cadence._transit (or, for new jobs, cadence._new_jobs through
-- cadence._step): one statement per table for a whole batch of jobs.
-------------------------------------------------------------------------------

-- One job's move: one row per event to append, each with the job's row after it
-- (the last row, `final`, carries the row to store). A move that is not allowed
-- raises 55000 saying why, or with refuse = false returns it in `refusal`.
CREATE OR REPLACE FUNCTION cadence._step(
        action text, worker text, lease interval, progress real,
        job_id bigint, status text, attempt int, max_attempts int, paused boolean, kind text,
        holder text, run_at timestamptz, fire_time timestamptz, fire_base timestamptz,
        row_lease interval, lease_expires_at timestamptz, heartbeat_at timestamptz,
        row_progress real, timer_at timestamptz, timer_kind text, trigger jsonb,
        created_at timestamptz, backoff interval, refuse boolean)
    RETURNS TABLE (seq int, final boolean, event text, status text, attempt int, at timestamptz,
                   event_fire_time timestamptz, details jsonb, with_details boolean,
                   run_at timestamptz, fire_time timestamptz, worker text, lease interval,
                   lease_expires_at timestamptz, heartbeat_at timestamptz, progress real,
                   paused boolean, fire_base timestamptz, timer_at timestamptz, timer_kind text,
                   removed boolean, refusal text)
    LANGUAGE c VOLATILE ROWS 1
    AS 'MODULE_PATHNAME', 'cadence_step';

-- The timer a job needs in a given state: when it next needs the scheduler, and
-- what for (src/core/job_timer.cpp).
CREATE OR REPLACE FUNCTION cadence._timer(status text, paused boolean, kind text, trigger jsonb,
                               created_at timestamptz, run_at timestamptz,
                               lease_expires_at timestamptz, fire_base timestamptz,
                               OUT timer_at timestamptz, OUT timer_kind text)
    RETURNS record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cadence_timer';

-- Hands an event to the publisher (NOTIFY cadence_status) for when its transaction
-- commits, and returns its id: called in the RETURNING list of the log's INSERTs.
CREATE OR REPLACE FUNCTION cadence._publish_event(event_id bigint, job_id bigint, event text,
                                                  status text, attempt int, queue text,
                                                  at timestamptz) RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cadence_publish_event';

-- The id of a new event: every INSERT into the log takes its ids here, so that the
-- publisher knows which ids may still commit (src/pg/event_horizon.hpp).
CREATE OR REPLACE FUNCTION cadence._next_event_id(sequence regclass) RETURNS bigint
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_next_event_id';

-- Deletes events for retention, bypassing the append-only trigger.
CREATE OR REPLACE FUNCTION cadence._prune(older_than timestamptz) RETURNS bigint
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_prune';

-- Raises 42704 for a job that does not exist (or is not the caller's), or returns
-- the message when `raise` is false.
CREATE OR REPLACE FUNCTION cadence._missing_job(job_id bigint, raise boolean) RETURNS text
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF job_id IS NULL THEN
        RAISE EXCEPTION 'job id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF raise THEN
        RAISE EXCEPTION 'job % does not exist', job_id USING ERRCODE = 'undefined_object';
    END IF;
    RETURN format('job %s does not exist', job_id);
END $$;

-- Whether `caller` may see and change jobs owned by `owner`.
CREATE OR REPLACE FUNCTION cadence._may_manage(caller oid, owner regrole) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT pg_has_role(caller, owner, 'USAGE') OR pg_has_role(caller, 'cadence_admin', 'USAGE') $$;

-- Who may create jobs: members of cadence_user or cadence_admin (superusers are).
CREATE OR REPLACE FUNCTION cadence._check_may_schedule(caller oid) RETURNS void
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF NOT (pg_has_role(caller, 'cadence_user', 'USAGE') OR pg_has_role(caller, 'cadence_admin', 'USAGE')) THEN
        RAISE EXCEPTION 'role % may not create pg_cadence jobs', caller::regrole
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('A superuser (or a role with ADMIN OPTION on it) grants it: GRANT cadence_user TO %s;',
                                caller::regrole);
    END IF;
END $$;

-- Applies one action to a batch of jobs (src/pg/transit.cpp): one statement locks
-- their rows (in job id order, so that batches never deadlock), the core decides
-- each job's events and new row, one statement appends the events (each handed to
-- the publisher for commit) and one stores the rows. `details` holds each job's caller details (a result, an error, what
-- changed), merged into its events. With caller NULL (the scheduler, the
-- executors) every job may be moved; otherwise only the caller's own. With
-- refuse = true, a move that is not allowed raises (55000, or 42704 for a job that
-- does not exist); with false it is returned in `refused` and nothing is written
-- for that job. Returns one row per id given, in the order given.
CREATE OR REPLACE FUNCTION cadence._transit(caller oid, action text, ids bigint[],
                                            worker text DEFAULT NULL, details jsonb[] DEFAULT NULL,
                                            lease interval DEFAULT NULL, progress real DEFAULT NULL,
                                            refuse boolean DEFAULT true)
    RETURNS TABLE (job_id bigint, status text, attempt int, kind text, queue text,
                   run_at timestamptz, fire_time timestamptz, lease_expires_at timestamptz,
                   timer_at timestamptz, timer_kind text, refused text)
    LANGUAGE c VOLATILE ROWS 1
    AS 'MODULE_PATHNAME', 'cadence_transit';

CREATE OR REPLACE FUNCTION cadence._validated_trigger(trigger jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    IF trigger IS NULL THEN
        RAISE EXCEPTION 'trigger must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Use cadence.once(), cadence.every() or cadence.cron().';
    END IF;
    RETURN cadence.validate_trigger(trigger);
END $$;

-- Checks the settings shared by create_job and alter_job.
CREATE OR REPLACE FUNCTION cadence._check_settings(name text, queue text, max_attempts int, backoff interval,
                                        timeout interval) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF name IS NOT NULL AND btrim(name) = '' THEN
        RAISE EXCEPTION 'job name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF queue = '' THEN
        RAISE EXCEPTION 'queue name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF octet_length(queue) > cadence._max_queue_name_bytes() THEN
        RAISE EXCEPTION 'queue name is % bytes, more than the % a queue name may have', octet_length(queue),
                        cadence._max_queue_name_bytes()
            USING ERRCODE = 'string_data_right_truncation';
    END IF;
    IF max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1, not %', max_attempts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF backoff < interval '0' THEN
        RAISE EXCEPTION 'backoff must not be negative, not %', backoff
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF date_part('month', backoff) <> 0 OR date_part('year', backoff) <> 0 THEN
        RAISE EXCEPTION 'backoff % has months or years, which have no fixed length', backoff
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Waits are at most a day (core/retry_policy): a longer backoff could only
    -- push a retry past what a timestamp holds.
    IF backoff > interval '1 day' THEN
        RAISE EXCEPTION 'backoff must be at most 1 day (the longest wait between attempts), not %', backoff
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF timeout <= interval '0' THEN
        RAISE EXCEPTION 'timeout must be positive, not %', timeout
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- It becomes statement_timeout, an int of milliseconds.
    IF timeout > interval '24 days' THEN
        RAISE EXCEPTION 'timeout must be at most 24 days, not %', timeout
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- Creates jobs, one per name, owned by `caller`: the jobs, their first events and
-- their status rows, in one statement. payloads and bodies hold one entry per name
-- (NULL for none): a job has a body (SQL, run by the executors) or a payload.
CREATE OR REPLACE FUNCTION cadence._new_jobs(caller oid, names text[], trigger jsonb,
                                             payloads jsonb[], bodies text[], queue text,
                                             max_attempts int, backoff interval, timeout interval)
    RETURNS SETOF bigint
    LANGUAGE plpgsql
    -- One plan for every batch size: re-planning this statement per call costs more
    -- than running it.
    SET plan_cache_mode = force_generic_plan
    AS $$
DECLARE
    bad int;
    quota bigint;
    owned bigint;
BEGIN
    IF names IS NULL OR array_position(names, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'job name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    payloads := coalesce(payloads, array_fill(NULL::jsonb, ARRAY[cardinality(names)]));
    bodies := coalesce(bodies, array_fill(NULL::text, ARRAY[cardinality(names)]));
    IF cardinality(payloads) <> cardinality(names) OR cardinality(bodies) <> cardinality(names) THEN
        RAISE EXCEPTION 'payloads and sql must have one entry per job name (% names, % payloads, % sql)',
            cardinality(names), cardinality(payloads), cardinality(bodies)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT min(u.n) INTO bad FROM unnest(names, payloads, bodies) WITH ORDINALITY AS u(name, payload, body, n)
    WHERE btrim(u.name) = '' OR (u.payload IS NOT NULL AND u.body IS NOT NULL) OR btrim(u.body) = '';
    IF bad IS NOT NULL THEN
        IF btrim(names[bad]) = '' THEN
            RAISE EXCEPTION 'job name must not be empty' USING ERRCODE = 'invalid_parameter_value';
        ELSIF payloads[bad] IS NOT NULL AND bodies[bad] IS NOT NULL THEN
            RAISE EXCEPTION 'a job has either sql (run inside the database) or payload (for external workers), not both'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RAISE EXCEPTION 'sql must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF queue IS NULL OR max_attempts IS NULL OR backoff IS NULL THEN
        RAISE EXCEPTION '% must not be null',
            CASE WHEN queue IS NULL THEN 'queue' WHEN max_attempts IS NULL THEN 'max_attempts'
                 ELSE 'backoff' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM cadence._check_may_schedule(caller);
    PERFORM cadence._check_settings(NULL, queue, max_attempts, backoff, timeout);
    trigger := cadence._validated_trigger(trigger);
    -- cadence.max_jobs_per_role (0: no cap); members of cadence_admin are exempt.
    quota := current_setting('cadence.max_jobs_per_role')::bigint;
    IF quota > 0 AND NOT pg_has_role(caller, 'cadence_admin', 'USAGE') THEN
        -- One creator of the role's jobs at a time, so that two cannot both pass the count.
        INSERT INTO cadence.owner_turns VALUES (caller) ON CONFLICT DO NOTHING;
        PERFORM FROM cadence.owner_turns t WHERE t.owner = caller FOR UPDATE;
        owned := (SELECT count(*) FROM cadence.jobs_status s WHERE s.owner = caller::regrole);
        IF owned + cardinality(names) > quota THEN
            RAISE EXCEPTION 'role % owns % jobs: % more would exceed cadence.max_jobs_per_role (%)',
                caller::regrole, owned, cardinality(names), quota
                USING ERRCODE = 'program_limit_exceeded',
                      HINT = 'Delete jobs that are done with (cadence.delete_job), or ask a superuser to raise the cap.';
        END IF;
    END IF;

    RETURN QUERY
    WITH input AS (
        SELECT u.name, u.payload, u.body, u.n
        FROM unnest(names, payloads, bodies) WITH ORDINALITY AS u(name, payload, body, n)
    ), created AS (
        INSERT INTO cadence.jobs (name, queue, kind, body, payload, trigger, max_attempts, backoff,
                                  timeout, owner, created_at)
        SELECT i.name, _new_jobs.queue, CASE WHEN i.body IS NULL THEN 'external' ELSE 'sql' END,
               i.body, i.payload, _new_jobs.trigger, _new_jobs.max_attempts,
               _new_jobs.backoff, _new_jobs.timeout, caller::regrole, now()
        FROM input i ORDER BY i.n
        RETURNING *
    ), steps AS (
        SELECT c.id AS jid, c.queue AS job_queue, c.kind AS job_kind, c.owner AS job_owner, x.*
        FROM created c,
             cadence._step('create', NULL, NULL, NULL, c.id, NULL, 1, c.max_attempts, false, c.kind,
                           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, c.trigger,
                           c.created_at, c.backoff, true) x
    ), appended AS (
        INSERT INTO cadence.job_events AS e (id, job_id, event, status, attempt, at, fire_time, owner,
                                            details, queue)
        SELECT cadence._next_event_id('cadence.job_events_id_seq'), st.jid, st.event, st.status, st.attempt, st.at, st.event_fire_time, st.job_owner,
               st.details, st.job_queue
        FROM steps st ORDER BY st.jid, st.seq
        RETURNING cadence._publish_event(e.id, e.job_id, e.event, e.status, e.attempt, e.queue,
                                         e.at) AS id, e.job_id
    ), stored AS (
        INSERT INTO cadence.jobs_status AS js (job_id, status, attempt, queue, kind, owner, paused, run_at,
                                         fire_time, fire_base, timer_at, timer_kind, event_id,
                                         status_event_id, changed_at)
        SELECT st.jid, st.status, st.attempt, st.job_queue, st.job_kind, st.job_owner, false,
               st.run_at, st.fire_time, st.fire_base, st.timer_at, st.timer_kind, a.id, a.id, st.at
        FROM steps st JOIN appended a ON a.job_id = st.jid
        RETURNING js.job_id, js.owner, js.queue, js.status
    ), counted AS (
        -- The new jobs, in the counts per owner, queue and status (cadence.job_counts).
        INSERT INTO cadence.job_count_changes (owner, queue, status, delta)
        SELECT s.owner, s.queue, s.status, count(*) FROM stored s GROUP BY 1, 2, 3
    )
    SELECT s.job_id FROM stored s ORDER BY s.job_id;
END $$;

-------------------------------------------------------------------------------
-- The internal twins of the public API. Each public function is a C function
-- (cadence_call_as_caller, src/pg/sql_api.cpp and call_as_caller.cpp)
-- that calls cadence._<name>(caller, ...) with the exact role that called it;
-- these run as the extension's owner with a fixed search_path and check that
-- caller. The helpers they use run only inside them, under that search_path, so
-- they carry no SET clause of their own: it would cost a configuration save and
-- restore per call, and keep _may_manage from being inlined.
-------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION cadence._create_job(caller oid, name text, trigger jsonb, sql text,
                                               payload jsonb, queue text, max_attempts int,
                                               backoff interval, timeout interval)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'job name must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN cadence._new_jobs(caller, ARRAY[name], trigger, ARRAY[payload], ARRAY[sql], queue,
                             max_attempts, backoff, timeout);
END $$;

CREATE OR REPLACE FUNCTION cadence._create_jobs(caller oid, names text[], trigger jsonb,
                                                payloads jsonb[], sql text[], queue text,
                                                max_attempts int, backoff interval, timeout interval)
    RETURNS SETOF bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    RETURN QUERY SELECT cadence._new_jobs(caller, names, trigger, payloads, sql, queue,
                                          max_attempts, backoff, timeout);
END $$;

CREATE OR REPLACE FUNCTION cadence._alter_job(caller oid, job_id bigint, trigger jsonb, sql text,
                                   payload jsonb, name text, queue text, max_attempts int,
                                   backoff interval, timeout interval)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    j cadence.jobs;
    changed text[] := '{}';
BEGIN
    IF job_id IS NULL THEN
        PERFORM cadence._missing_job(NULL, true);
    END IF;
    -- The job's status row is locked first, as every move does.
    PERFORM FROM cadence.jobs_status s
    WHERE s.job_id = _alter_job.job_id AND cadence._may_manage(caller, s.owner) FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cadence._missing_job(job_id, true);
    END IF;
    SELECT * INTO STRICT j FROM cadence.jobs WHERE id = job_id;
    IF sql IS NOT NULL AND j.kind <> 'sql' THEN
        RAISE EXCEPTION 'job % is run by external workers; it has a payload, not sql', job_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF payload IS NOT NULL AND j.kind <> 'external' THEN
        RAISE EXCEPTION 'job % runs sql inside the database; it has no payload', job_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF sql IS NOT NULL AND btrim(sql) = '' THEN
        RAISE EXCEPTION 'sql must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM cadence._check_settings(name, queue, max_attempts, backoff, timeout);
    IF trigger IS NOT NULL THEN
        trigger := cadence.validate_trigger(trigger);
        IF trigger IS DISTINCT FROM j.trigger THEN changed := array_append(changed, 'trigger'); END IF;
    END IF;
    IF sql IS DISTINCT FROM j.body AND sql IS NOT NULL THEN changed := array_append(changed, 'sql'); END IF;
    IF payload IS DISTINCT FROM j.payload AND payload IS NOT NULL THEN changed := array_append(changed, 'payload'); END IF;
    IF name IS DISTINCT FROM j.name AND name IS NOT NULL THEN changed := array_append(changed, 'name'); END IF;
    IF queue IS DISTINCT FROM j.queue AND queue IS NOT NULL THEN changed := array_append(changed, 'queue'); END IF;
    IF max_attempts IS DISTINCT FROM j.max_attempts AND max_attempts IS NOT NULL THEN changed := array_append(changed, 'max_attempts'); END IF;
    IF backoff IS DISTINCT FROM j.backoff AND backoff IS NOT NULL THEN changed := array_append(changed, 'backoff'); END IF;
    IF timeout IS DISTINCT FROM j.timeout AND timeout IS NOT NULL THEN changed := array_append(changed, 'timeout'); END IF;
    IF cardinality(changed) = 0 THEN
        RETURN;  -- nothing changed: no event
    END IF;

    UPDATE cadence.jobs SET
        trigger = coalesce(_alter_job.trigger, jobs.trigger),
        body = coalesce(_alter_job.sql, jobs.body),
        payload = coalesce(_alter_job.payload, jobs.payload),
        name = coalesce(_alter_job.name, jobs.name),
        queue = coalesce(_alter_job.queue, jobs.queue),
        max_attempts = coalesce(_alter_job.max_attempts, jobs.max_attempts),
        backoff = coalesce(_alter_job.backoff, jobs.backoff),
        timeout = coalesce(_alter_job.timeout, jobs.timeout)
    WHERE id = job_id
    RETURNING * INTO j;
    -- A first run still waiting for its tick follows a new trigger (the lifecycle's
    -- retrigger); the status row takes the new queue.
    PERFORM FROM cadence._transit(NULL, CASE WHEN 'trigger' = ANY (changed) THEN 'retrigger' ELSE 'alter' END,
                                  ARRAY[job_id], NULL,
                                  ARRAY[jsonb_build_object('changed', to_jsonb(changed))]);
END $$;

CREATE OR REPLACE FUNCTION cadence._pause_job(caller oid, job_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM FROM cadence._transit(caller, 'pause', ARRAY[job_id]); END $$;

CREATE OR REPLACE FUNCTION cadence._resume_job(caller oid, job_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM FROM cadence._transit(caller, 'resume', ARRAY[job_id]); END $$;

CREATE OR REPLACE FUNCTION cadence._run_job_now(caller oid, job_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM FROM cadence._transit(caller, 'run_now', ARRAY[job_id]); END $$;

CREATE OR REPLACE FUNCTION cadence._cancel_job(caller oid, job_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM FROM cadence._transit(caller, 'cancel', ARRAY[job_id]); END $$;

-- Appends a final `deleted` event and removes the job (its status row goes with it).
CREATE OR REPLACE FUNCTION cadence._delete_job(caller oid, job_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN PERFORM FROM cadence._transit(caller, 'remove', ARRAY[job_id]); END $$;

-- A worker whose claim found nothing is still alive: a sighting for each owner whose
-- runs of the queue it may take and has handled (a worker that never claimed a run
-- has no activity), at most one every 10 seconds, so that an idle worker polling in
-- a loop writes little. Insert-only: nothing the scheduler writes waits for the
-- worker's transaction.
CREATE OR REPLACE FUNCTION cadence._seen_idle(caller oid, queue text, worker text) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO cadence.worker_sightings (worker, owner, queue, seen_at)
    SELECT a.worker, a.owner, a.queue, now()
    FROM cadence.worker_activity a
    WHERE a.worker = _seen_idle.worker AND a.queue = _seen_idle.queue
      AND coalesce(a.last_seen, '-infinity') < now() - interval '10 seconds'
      AND NOT EXISTS (SELECT FROM cadence.worker_sightings s
                      WHERE s.worker = a.worker AND s.queue = a.queue AND s.owner = a.owner
                        AND s.seen_at > now() - interval '10 seconds')
      AND (cadence._may_manage(caller, a.owner)
           OR EXISTS (SELECT FROM cadence.queue_grants g
                      WHERE g.owner = a.owner AND g.queue = a.queue AND pg_has_role(caller, g.worker, 'USAGE')))
$$;

-- Checks claim's arguments.
CREATE OR REPLACE FUNCTION cadence._check_claim(queue text, worker text, max_jobs int, lease interval)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF queue IS NULL OR worker IS NULL OR btrim(worker) = '' THEN
        RAISE EXCEPTION 'queue and worker must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- cadence.workers tells the executors by their names.
    IF worker LIKE 'pg\_cadence executor%' THEN
        RAISE EXCEPTION 'worker name "%" is reserved for pg_cadence''s executors', worker
            USING ERRCODE = 'reserved_name', HINT = 'Name the worker after its host and process, for example.';
    END IF;
    IF max_jobs IS NULL OR max_jobs < 1 OR max_jobs > 1000 THEN
        RAISE EXCEPTION 'max_jobs must be between 1 and 1000, not %', max_jobs
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'lease must be positive, not %', coalesce(lease::text, 'null')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A worker holds a run for a lease at a time and renews it with heartbeats.
    IF lease > interval '7 days' THEN
        RAISE EXCEPTION 'lease must be at most 7 days (renew it with cadence.heartbeat), not %', lease
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- Claims up to max_jobs due runs of a queue, oldest due first: the rows are taken
-- with SKIP LOCKED, then moved to running together.
CREATE OR REPLACE FUNCTION cadence._claim_due(caller oid, queue text, worker text, max_jobs int,
                                              lease interval)
    RETURNS TABLE (job_id bigint, name text, attempt int, payload jsonb, fire_time timestamptz,
                   run_at timestamptz, lease_expires_at timestamptz)
    LANGUAGE plpgsql ROWS 10
    -- One plan for every batch size: re-planning this statement per call costs more
    -- than running it.
    SET plan_cache_mode = force_generic_plan
    AS $$
BEGIN
    RETURN QUERY
    WITH due AS MATERIALIZED (
        SELECT js.job_id, js.run_at FROM cadence.jobs_status js
        WHERE js.status = 'scheduled' AND NOT js.paused AND js.kind = 'external'
          AND js.queue = _claim_due.queue AND js.run_at <= now()
          -- The caller manages the job, or its queue is granted to the caller
          -- (written out here: a function holding the EXISTS would not be inlined,
          -- and calling it for each row costs a claim 10 % of its speed).
          AND (cadence._may_manage(caller, js.owner)
               OR EXISTS (SELECT FROM cadence.queue_grants g
                          WHERE g.owner = js.owner AND g.queue = js.queue
                            AND pg_has_role(caller, g.worker, 'USAGE')))
        ORDER BY js.run_at, js.job_id
        LIMIT max_jobs
        FOR UPDATE SKIP LOCKED
    )
    SELECT t.job_id, j.name, t.attempt, j.payload, t.fire_time, d.run_at, t.lease_expires_at
    FROM cadence._transit(NULL, 'claim', ARRAY(SELECT d.job_id FROM due d), worker, NULL, lease) t
    JOIN due d ON d.job_id = t.job_id
    JOIN cadence.jobs j ON j.id = t.job_id
    ORDER BY d.run_at, t.job_id;
END $$;

CREATE OR REPLACE FUNCTION cadence._claim(caller oid, queue text, worker text, max_jobs int, lease interval)
    RETURNS TABLE (job_id bigint, name text, attempt int, payload jsonb, fire_time timestamptz,
                   run_at timestamptz, lease_expires_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM cadence._check_claim(queue, worker, max_jobs, lease);
    RETURN QUERY SELECT * FROM cadence._claim_due(caller, queue, worker, max_jobs, lease);
    IF NOT FOUND THEN
        PERFORM cadence._seen_idle(caller, queue, worker);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION cadence._heartbeat(caller oid, job_id bigint, worker text, progress real)
    RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    expires timestamptz;
BEGIN
    IF progress IS NOT NULL AND (progress < 0 OR progress > 100 OR progress = 'NaN') THEN
        RAISE EXCEPTION 'progress must be between 0 and 100 (percent), not %', progress
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT t.lease_expires_at INTO expires
    FROM cadence._transit(caller, 'heartbeat', ARRAY[job_id], worker, NULL, NULL, progress) t;
    RETURN expires;
END $$;

-- Each result as an event's details ({"result": ...}), or NULL for none.
CREATE OR REPLACE FUNCTION cadence._result_details(job_ids bigint[], results jsonb[]) RETURNS jsonb[]
    LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
    IF results IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(results) <> cardinality(job_ids) THEN
        RAISE EXCEPTION 'results must have one entry per job id (% ids, % results)',
            cardinality(job_ids), cardinality(results) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN ARRAY(SELECT jsonb_strip_nulls(jsonb_build_object('result', r))
                 FROM unnest(results) WITH ORDINALITY AS u(r, n) ORDER BY n);
END $$;

CREATE OR REPLACE FUNCTION cadence._complete(caller oid, job_id bigint, worker text, result jsonb)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM FROM cadence._transit(caller, 'complete', ARRAY[job_id], worker,
                                  ARRAY[jsonb_strip_nulls(jsonb_build_object('result', result))]);
END $$;

-- A worker finishes many runs in one call. A run that is no longer the worker's
-- (canceled, or its lease expired) is not an error here: it is returned with the
-- reason in `refused`, and the others are completed.
CREATE OR REPLACE FUNCTION cadence._complete_batch(caller oid, job_ids bigint[], worker text, results jsonb[])
    RETURNS TABLE (job_id bigint, status text, refused text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF job_ids IS NULL THEN
        RAISE EXCEPTION 'job_ids must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN QUERY
    SELECT t.job_id, t.status, t.refused
    FROM cadence._transit(caller, 'complete', job_ids, worker,
                          cadence._result_details(job_ids, results), NULL, NULL, false) t;
END $$;

-- Finishes a worker's runs and claims its next ones, in one call and one
-- transaction. Runs that are no longer the worker's are skipped with a warning.
CREATE OR REPLACE FUNCTION cadence._complete_and_claim(caller oid, job_ids bigint[], worker text,
                                                       queue text, max_jobs int, lease interval,
                                                       results jsonb[])
    RETURNS TABLE (job_id bigint, name text, attempt int, payload jsonb, fire_time timestamptz,
                   run_at timestamptz, lease_expires_at timestamptz)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    r record;
BEGIN
    PERFORM cadence._check_claim(queue, worker, max_jobs, lease);
    IF cardinality(job_ids) > 0 THEN
        FOR r IN
            SELECT t.job_id, t.refused
            FROM cadence._transit(caller, 'complete', job_ids, worker,
                                  cadence._result_details(job_ids, results), NULL, NULL, false) t
            WHERE t.refused IS NOT NULL
        LOOP
            RAISE WARNING 'job % was not completed: %', r.job_id, r.refused;
        END LOOP;
    END IF;
    RETURN QUERY SELECT * FROM cadence._claim_due(caller, queue, worker, max_jobs, lease);
    IF NOT FOUND AND coalesce(cardinality(job_ids), 0) = 0 THEN
        PERFORM cadence._seen_idle(caller, queue, worker);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION cadence._fail(caller oid, job_id bigint, worker text, error text, traceback text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF error IS NULL OR btrim(error) = '' THEN
        RAISE EXCEPTION 'error must say what went wrong' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM FROM cadence._transit(caller, 'fail', ARRAY[job_id], worker,
                                  ARRAY[jsonb_strip_nulls(jsonb_build_object('error', error, 'traceback', traceback))]);
END $$;

-- A worker reports many failed runs in one call (see _complete_batch).
CREATE OR REPLACE FUNCTION cadence._fail_batch(caller oid, job_ids bigint[], worker text, errors text[],
                                         tracebacks text[])
    RETURNS TABLE (job_id bigint, status text, refused text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF job_ids IS NULL THEN
        RAISE EXCEPTION 'job_ids must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF cardinality(errors) IS DISTINCT FROM cardinality(job_ids)
       OR cardinality(tracebacks) <> cardinality(job_ids) THEN
        RAISE EXCEPTION 'errors (and tracebacks, when given) must have one entry per job id'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM unnest(errors) e WHERE e IS NULL OR btrim(e) = '') THEN
        RAISE EXCEPTION 'error must say what went wrong' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT t.job_id, t.status, t.refused
    FROM cadence._transit(caller, 'fail', job_ids, worker,
                          ARRAY(SELECT jsonb_strip_nulls(jsonb_build_object('error', u.e, 'traceback', tracebacks[u.n]))
                                FROM unnest(errors) WITH ORDINALITY AS u(e, n) ORDER BY u.n),
                          NULL, NULL, false) t;
END $$;

-- The owner whose runs a grant or revoke is about (the caller by default), once
-- it is checked that the caller may: the owner, its members, cadence_admin.
CREATE OR REPLACE FUNCTION cadence._grant_owner(caller oid, owner regrole, verb text) RETURNS regrole
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    owner := coalesce(owner, caller::regrole);
    IF NOT cadence._may_manage(caller, owner) THEN
        RAISE EXCEPTION 'role % may not % the runs of %''s jobs', caller::regrole, verb, owner
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The owner of the jobs, a member of it, or a member of cadence_admin does.';
    END IF;
    RETURN owner;
END $$;

-- Gives `worker` the runs of `owner`'s jobs in `queue` (owner: the caller by default).
CREATE OR REPLACE FUNCTION cadence._grant_queue(caller oid, queue text, worker regrole, owner regrole)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF queue IS NULL OR worker IS NULL THEN
        RAISE EXCEPTION 'queue and worker must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    owner := cadence._grant_owner(caller, owner, 'grant');
    INSERT INTO cadence.queue_grants (owner, queue, worker, granted_by)
    VALUES (owner, queue, worker, caller::regrole)
    ON CONFLICT DO NOTHING;
END $$;

CREATE OR REPLACE FUNCTION cadence._revoke_queue(caller oid, queue text, worker regrole, owner regrole)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    owner := cadence._grant_owner(caller, owner, 'revoke');
    DELETE FROM cadence.queue_grants g
    WHERE g.owner = _revoke_queue.owner AND g.queue = _revoke_queue.queue AND g.worker = _revoke_queue.worker;
    IF NOT FOUND THEN
        RAISE NOTICE '% had no grant on queue % of %''s jobs; nothing to do', worker, queue, owner;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION cadence._prune_events(caller oid, older_than interval) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    pruned bigint;
BEGIN
    IF NOT pg_has_role(caller, 'cadence_admin', 'USAGE') THEN
        RAISE EXCEPTION 'only members of cadence_admin may prune the event log'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF older_than IS NULL OR older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    pruned := cadence._prune(now() - older_than);
    RAISE LOG 'cadence.prune_events removed % events older than %', pruned, older_than;
    RETURN pruned;
END $$;

REVOKE ALL ON FUNCTION
    cadence._step(text, text, interval, real, bigint, text, int, int, boolean, text, text, timestamptz,
                  timestamptz, timestamptz, interval, timestamptz, timestamptz, real, timestamptz, text,
                  jsonb, timestamptz, interval, boolean),
    cadence._timer(text, boolean, text, jsonb, timestamptz, timestamptz, timestamptz, timestamptz),
    cadence._publish_event(bigint, bigint, text, text, int, text, timestamptz),
    cadence._next_event_id(regclass), cadence._prune(timestamptz), cadence._missing_job(bigint, boolean),
    cadence._may_manage(oid, regrole), cadence._check_may_schedule(oid),
    cadence._grant_queue(oid, text, regrole, regrole), cadence._revoke_queue(oid, text, regrole, regrole),
    cadence._grant_owner(oid, regrole, text),
    cadence._transit(oid, text, bigint[], text, jsonb[], interval, real, boolean),
    cadence._validated_trigger(jsonb), cadence._check_settings(text, text, int, interval, interval),
    cadence._new_jobs(oid, text[], jsonb, jsonb[], text[], text, int, interval, interval),
    cadence._create_job(oid, text, jsonb, text, jsonb, text, int, interval, interval),
    cadence._create_jobs(oid, text[], jsonb, jsonb[], text[], text, int, interval, interval),
    cadence._alter_job(oid, bigint, jsonb, text, jsonb, text, text, int, interval, interval),
    cadence._pause_job(oid, bigint), cadence._resume_job(oid, bigint),
    cadence._run_job_now(oid, bigint), cadence._cancel_job(oid, bigint),
    cadence._delete_job(oid, bigint), cadence._check_claim(text, text, int, interval), cadence._seen_idle(oid, text, text),
    cadence._claim_due(oid, text, text, int, interval),
    cadence._claim(oid, text, text, int, interval),
    cadence._heartbeat(oid, bigint, text, real), cadence._result_details(bigint[], jsonb[]),
    cadence._complete(oid, bigint, text, jsonb), cadence._complete_batch(oid, bigint[], text, jsonb[]),
    cadence._complete_and_claim(oid, bigint[], text, text, int, interval, jsonb[]),
    cadence._fail(oid, bigint, text, text, text), cadence._fail_batch(oid, bigint[], text, text[], text[]),
    cadence._prune_events(oid, interval)
    FROM PUBLIC;
