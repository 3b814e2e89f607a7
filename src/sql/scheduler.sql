-- The scheduler's fire: for each job whose timer is due, re-checks its state
-- and applies what is due through the same lifecycle users go through, the whole
-- batch in one go. Jobs with a pending run are only looked at, without a lock, so
-- that a claim racing the tick is never made to skip the run; paused jobs need
-- nothing; the others are locked (SKIP LOCKED) and moved together by the
-- lifecycle's tick: a periodic fire (from error: fatal, then scheduled), a retry,
-- or a lease expiry. Returns each job's timer now: NULL when it has none;
-- 'locked' when another transaction holds the job (the scheduler looks again
-- later); 'run' when a SQL job's run became due (the scheduler wakes that many
-- executors). `wake` names the queue of an external job whose run is now due: the
-- scheduler's publisher sends NOTIFY cadence_work for it after this commits, so
-- that a full NOTIFY queue never stops a fire. A batch that fails is split by the
-- scheduler and its halves tried in transactions of their own, down to the job
-- that fails: no subtransaction is opened per job.
CREATE OR REPLACE FUNCTION cadence._tick(ids bigint[])
    RETURNS TABLE (job_id bigint, timer_at timestamptz, timer_kind text, wake text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan
    AS $$
DECLARE
    want bigint[];
    held bigint[];
BEGIN
    want := ARRAY(SELECT x.job_id FROM cadence.jobs_status x
                  WHERE x.job_id = ANY (ids) AND NOT (x.status = 'scheduled' OR x.paused)
                  ORDER BY x.job_id);
    held := ARRAY(SELECT x.job_id FROM cadence.jobs_status x
                  WHERE x.job_id = ANY (want) AND NOT (x.status = 'scheduled' OR x.paused)
                  ORDER BY x.job_id
                  FOR UPDATE SKIP LOCKED);
    RETURN QUERY
    WITH moved AS (
        SELECT m.job_id, m.status, false AS paused, m.kind, m.queue, m.run_at, m.timer_at, m.timer_kind
        FROM cadence._transit(NULL, 'tick', held) m
    ), looked AS (
        SELECT x.job_id, x.status, x.paused, x.kind, x.queue, x.run_at, t.timer_at, t.timer_kind
        FROM cadence.jobs_status x
        JOIN cadence.jobs j ON j.id = x.job_id,
        LATERAL cadence._timer(x.status, x.paused, x.kind, j.trigger, j.created_at, x.run_at,
                               x.lease_expires_at, x.fire_base) t
        WHERE x.job_id = ANY (ids) AND (x.status = 'scheduled' OR x.paused)
    ), found AS (
        SELECT * FROM moved UNION ALL SELECT * FROM looked
    )
    -- A due run whose workers are woken needs the scheduler no more. Ids with
    -- no row here were deleted; no join with `ids`: a batch is thousands of jobs.
    SELECT f.job_id,
           CASE WHEN f.timer_kind = 'due' AND f.timer_at <= now() THEN NULL ELSE f.timer_at END,
           CASE WHEN f.timer_kind = 'due' AND f.timer_at <= now() THEN
                     CASE WHEN f.kind = 'sql' THEN 'run' END
                ELSE f.timer_kind END,
           CASE WHEN f.kind = 'external' AND f.status = 'scheduled' AND NOT f.paused
                     AND f.run_at <= now() THEN f.queue END
    FROM found f
    UNION ALL
    -- Rows another transaction holds: the scheduler looks at them again later.
    SELECT l.id, NULL, 'locked', NULL
    FROM (SELECT unnest(want) EXCEPT SELECT unnest(held)) AS l(id);
END $$;

-- Every job's timer, for the scheduler's start: one query over the table.
CREATE OR REPLACE FUNCTION cadence._all_timers()
    RETURNS TABLE (job_id bigint, timer_at timestamptz, timer_kind text, error text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT job_id, timer_at, timer_kind, NULL FROM cadence.jobs_status WHERE timer_at IS NOT NULL $$;

REVOKE ALL ON FUNCTION cadence._tick(bigint[]), cadence._all_timers()
    FROM PUBLIC;


-- The scheduler's timer map, as it is in its memory right now.
CREATE OR REPLACE FUNCTION cadence._scheduler_timers(OUT job_id bigint, OUT purpose text, OUT due_at timestamptz)
    RETURNS SETOF record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_scheduler_timers';
CREATE OR REPLACE VIEW cadence.timers AS
    SELECT job_id, purpose, due_at FROM cadence._scheduler_timers();
COMMENT ON VIEW cadence.timers IS
    'the scheduler''s timer map: for each job, when it next needs the scheduler and what for (fire, retry, lease, due)';
REVOKE ALL ON FUNCTION cadence._scheduler_timers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadence._scheduler_timers() TO cadence_admin;
REVOKE ALL ON cadence.timers FROM PUBLIC;
GRANT SELECT ON cadence.timers TO cadence_admin;

-- Folds the counted changes into cadence.job_counts (the scheduler, about once a
-- second while jobs change); returns how many changes it folded. Changes still
-- uncommitted stay for the next fold.
CREATE OR REPLACE FUNCTION cadence._fold_job_counts() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    folded bigint;
BEGIN
    WITH moved AS (
        DELETE FROM cadence.job_count_changes RETURNING owner, queue, status, delta
    ), summed AS (
        SELECT owner, queue, status, sum(delta) AS delta, count(*) AS changes FROM moved GROUP BY 1, 2, 3
    ), stored AS (
        INSERT INTO cadence.job_counts AS c (owner, queue, status, jobs)
        SELECT owner, queue, status, delta FROM summed
        ON CONFLICT (owner, queue, status) DO UPDATE SET jobs = c.jobs + excluded.jobs
    )
    SELECT coalesce(sum(changes), 0) INTO folded FROM summed;
    DELETE FROM cadence.job_counts WHERE jobs = 0;
    RETURN folded;
END $$;
REVOKE ALL ON FUNCTION cadence._fold_job_counts() FROM PUBLIC;

-- Folds the workers named in the event log (details.worker: who claimed a run, or
-- held the run an event ended) into cadence.worker_activity, called by the
-- scheduler with the counts. It folds the events below the status horizon
-- (cadence.status_horizon(): nothing below it can still commit) and at most
-- 50,000 ids a call, so that a long log (after an upgrade) is taken in over a few
-- minutes, not in one long pass. Returns whether more is waiting below the horizon.
CREATE OR REPLACE FUNCTION cadence._fold_worker_activity() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    horizon bigint := cadence.status_horizon();
    from_id bigint;
    to_id bigint;
BEGIN
    -- (One fold at a time: the row is locked until this one commits.)
    INSERT INTO cadence.worker_activity_folded (below) VALUES (0) ON CONFLICT DO NOTHING;
    SELECT below INTO STRICT from_id FROM cadence.worker_activity_folded FOR UPDATE;
    to_id := greatest(from_id, least(horizon, from_id + 50000));
    IF to_id <= from_id AND NOT EXISTS (SELECT FROM cadence.worker_sightings) THEN
        RETURN false;
    END IF;
    -- (Events of 0.1.0 whose job was deleted before the update have no queue: skipped.)
    INSERT INTO cadence.worker_activity AS a (worker, owner, queue, first_seen, last_seen, completed, failed)
    -- Seen: its claims, completions and failures; a run canceled or whose lease
    -- expired names it too, but that is not the worker's doing (an expired lease
    -- counts as failed).
    SELECT e.details ->> 'worker', e.owner, e.queue,
           min(e.at) FILTER (WHERE e.details ->> 'reason' IN ('claim', 'complete', 'fail')),
           max(e.at) FILTER (WHERE e.details ->> 'reason' IN ('claim', 'complete', 'fail')),
           count(*) FILTER (WHERE e.event = 'completed'), count(*) FILTER (WHERE e.event IN ('error', 'fatal'))
    FROM cadence.job_events e
    WHERE e.id >= from_id AND e.id < to_id AND e.details ? 'worker' AND e.queue IS NOT NULL
    GROUP BY 1, 2, 3
    ON CONFLICT (worker, owner, queue) DO UPDATE
        SET first_seen = least(a.first_seen, excluded.first_seen),
            last_seen = greatest(a.last_seen, excluded.last_seen),
            completed = a.completed + excluded.completed,
            failed = a.failed + excluded.failed;
    UPDATE cadence.worker_activity_folded SET below = to_id;
    -- Idle workers' sightings (committed ones: what is still being written waits).
    WITH moved AS (
        DELETE FROM cadence.worker_sightings RETURNING worker, owner, queue, seen_at
    )
    UPDATE cadence.worker_activity a SET last_seen = greatest(a.last_seen, m.seen_at)
    FROM (SELECT worker, owner, queue, max(seen_at) AS seen_at FROM moved GROUP BY 1, 2, 3) m
    WHERE a.worker = m.worker AND a.owner = m.owner AND a.queue = m.queue;
    RETURN to_id < horizon;
END $$;
REVOKE ALL ON FUNCTION cadence._fold_worker_activity() FROM PUBLIC;
