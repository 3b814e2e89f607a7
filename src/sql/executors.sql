-------------------------------------------------------------------------------
-- Executors (src/pg/executor.cpp): background workers that run SQL jobs. They
-- call these as the bootstrap superuser; the job's SQL itself runs as its owner.
-------------------------------------------------------------------------------

-- Claims the first due run of a SQL job, in (run_at, job_id) order, for executor
-- `worker`, skipping queues that already run as many as their limit allows, and
-- marks it running; with `only_owner`, only a run of that role's jobs (an executor
-- whose backend keeps state of that owner's). Returns nothing when no run is due.
CREATE OR REPLACE FUNCTION cadence._executor_claim(worker text, limited_queues text[], queue_limits int[],
                                                   only_owner oid)
    RETURNS TABLE (job_id bigint, owner oid, body text, timeout_ms bigint, attempt int,
                   run_at timestamptz, event_id bigint, queue text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    s cadence.jobs_status;
    j cadence.jobs;
    due_status text;
    full_queues text[] := '{}';
    i int;
BEGIN
    IF cardinality(limited_queues) > 0 THEN
        SELECT coalesce(array_agg(r.queue), '{}') INTO full_queues
        FROM (SELECT x.queue, count(*) AS running FROM cadence.jobs_status x
              WHERE x.kind = 'sql' AND x.status = 'running' AND x.queue = ANY (limited_queues)
              GROUP BY x.queue) r
        WHERE r.running >= queue_limits[array_position(limited_queues, r.queue)];
    END IF;
    LOOP
        -- One row at a time (a FOR loop would fetch and lock ten), so that
        -- executors claiming together each find one.
        SELECT * INTO s FROM cadence.jobs_status x
        WHERE x.status = 'scheduled' AND NOT x.paused AND x.kind = 'sql' AND x.run_at <= now()
          AND x.queue <> ALL (full_queues) AND (only_owner IS NULL OR x.owner = only_owner)
        ORDER BY x.run_at, x.job_id
        LIMIT 1
        FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            RETURN;
        END IF;
        i := array_position(limited_queues, s.queue);
        IF i IS NOT NULL THEN
            -- Claims in a limited queue take turns, so that two never both take the last place.
            INSERT INTO cadence.executor_queue_turns VALUES (s.queue) ON CONFLICT DO NOTHING;
            PERFORM FROM cadence.executor_queue_turns t WHERE t.queue = s.queue FOR UPDATE;
            IF (SELECT count(*) FROM cadence.jobs_status x
                WHERE x.kind = 'sql' AND x.status = 'running' AND x.queue = s.queue) >= queue_limits[i] THEN
                full_queues := array_append(full_queues, s.queue);
                CONTINUE;
            END IF;
        END IF;
        EXIT;
    END LOOP;
    SELECT * INTO STRICT j FROM cadence.jobs WHERE id = s.job_id;
    SELECT t.status INTO STRICT due_status FROM cadence._transit(NULL, 'claim', ARRAY[s.job_id], worker) t;
    job_id := s.job_id;
    owner := j.owner;
    body := j.body;
    timeout_ms := ceil(extract(epoch FROM j.timeout) * 1000)::bigint;
    attempt := s.attempt;
    run_at := s.run_at;
    -- Its running event: later events of the job may stop it.
    SELECT x.status_event_id INTO STRICT event_id FROM cadence.jobs_status x WHERE x.job_id = s.job_id;
    queue := s.queue;
    RETURN NEXT;
END $$;

-- Records how executor `worker`'s run of a job ended: action complete, fail or
-- cancel with its details. Returns the job's status after it, or NULL when the run
-- is no longer this executor's (it was canceled or deleted meanwhile): nothing is recorded.
CREATE OR REPLACE FUNCTION cadence._executor_finish(job_id bigint, worker text, action text, details jsonb)
    RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    s cadence.jobs_status;
BEGIN
    SELECT * INTO s FROM cadence.jobs_status x WHERE x.job_id = _executor_finish.job_id FOR UPDATE;
    IF NOT FOUND OR s.status <> 'running' OR s.worker IS DISTINCT FROM _executor_finish.worker THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT t.status FROM cadence._transit(NULL, action, ARRAY[s.job_id], worker, ARRAY[details]) t);
END $$;

-- Fails the runs of SQL jobs held by executor `own` (which has just started, so
-- they died with its previous incarnation) and, when `known` is given, those held
-- by any worker not in it. Returns how many.
CREATE OR REPLACE FUNCTION cadence._executor_recover(own text, known text[], details jsonb) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    s cadence.jobs_status;
    lost bigint := 0;
BEGIN
    FOR s IN
        SELECT * FROM cadence.jobs_status x
        WHERE x.kind = 'sql' AND x.status = 'running'
          AND (x.worker = own OR (known IS NOT NULL AND x.worker <> ALL (known)))
        ORDER BY x.job_id
        FOR UPDATE
    LOOP
        PERFORM FROM cadence._transit(NULL, 'fail', ARRAY[s.job_id], s.worker, ARRAY[details]);
        lost := lost + 1;
    END LOOP;
    RETURN lost;
END $$;

REVOKE ALL ON FUNCTION cadence._executor_claim(text, text[], int[], oid),
    cadence._executor_finish(bigint, text, text, jsonb),
    cadence._executor_recover(text, text[], jsonb) FROM PUBLIC;

-- The executors: what each does now, and how many runs it ended since it started.
CREATE OR REPLACE FUNCTION cadence._executor_slots(OUT executor int, OUT pid int, OUT state text,
                                        OUT job_id bigint, OUT running_since timestamptz,
                                        OUT runs bigint)
    RETURNS SETOF record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_executor_slots';
CREATE OR REPLACE VIEW cadence.executors AS
    SELECT executor, pid, state, job_id, running_since, runs FROM cadence._executor_slots();
COMMENT ON VIEW cadence.executors IS
    'this database''s executors (started on demand): pid, starting, idle, running or stopping (which job, since when), runs ended since it started';
REVOKE ALL ON FUNCTION cadence._executor_slots() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadence._executor_slots() TO cadence_admin;
REVOKE ALL ON cadence.executors FROM PUBLIC;
GRANT SELECT ON cadence.executors TO cadence_admin;
