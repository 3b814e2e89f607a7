-- Compares the scheduler's map with the tables, and each job's stored timer with
-- the one its state calls for. Returns the disagreements: none, when nothing is
-- being changed or fired meanwhile (the map is read first, the tables after it).
CREATE OR REPLACE FUNCTION cadence.verify_timers()
    RETURNS TABLE (job_id bigint, problem text, in_map text, in_tables text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    map_ids bigint[];
    map_purposes text[];
    map_due timestamptz[];
BEGIN
    SELECT coalesce(array_agg(t.job_id), '{}'), coalesce(array_agg(t.purpose), '{}'),
           coalesce(array_agg(t.due_at), '{}')
    INTO map_ids, map_purposes, map_due
    FROM cadence._scheduler_timers() t;
    -- A new statement, a new snapshot: the tables as of after the map was taken.
    RETURN QUERY
    WITH map AS (
        SELECT * FROM unnest(map_ids, map_purposes, map_due) AS m(job_id, purpose, due_at)
    ), stored AS (
        -- A due run whose workers were woken has left the map.
        SELECT s.job_id, s.timer_kind, s.timer_at FROM cadence.jobs_status s
        WHERE s.timer_at IS NOT NULL AND NOT (s.timer_kind = 'due' AND s.timer_at <= now())
    ), recomputed AS (
        SELECT s.job_id, s.timer_kind, s.timer_at, t.timer_kind AS want_kind, t.timer_at AS want_at
        FROM cadence.jobs_status s JOIN cadence.jobs j ON j.id = s.job_id,
             cadence._timer(s.status, s.paused, s.kind, j.trigger, j.created_at, s.run_at,
                            s.lease_expires_at, s.fire_base) t
    )
    SELECT coalesce(m.job_id, st.job_id),
           CASE WHEN m.job_id IS NULL THEN 'missing from the map'
                WHEN st.job_id IS NULL THEN 'in the map only'
                ELSE 'map and tables differ' END,
           m.purpose || ' at ' || m.due_at, st.timer_kind || ' at ' || st.timer_at
    FROM map m FULL JOIN stored st ON st.job_id = m.job_id
    WHERE m.job_id IS NULL OR st.job_id IS NULL OR m.purpose <> st.timer_kind
       OR m.due_at <> st.timer_at
    UNION ALL
    -- Heartbeats extend a lease without touching the stored timer: a later lease is fine.
    SELECT r.job_id, 'stored timer is stale', r.timer_kind || ' at ' || r.timer_at,
           r.want_kind || ' at ' || r.want_at
    FROM recomputed r
    WHERE r.timer_kind IS DISTINCT FROM r.want_kind
       OR (r.timer_at IS DISTINCT FROM r.want_at
           AND NOT (r.want_kind = 'lease' AND r.want_at > r.timer_at))
    ORDER BY 1, 2;
END $$;
REVOKE ALL ON FUNCTION cadence.verify_timers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadence.verify_timers() TO cadence_admin;
-- It recomputes timers as its caller: _timer only computes, from its arguments.
GRANT EXECUTE ON FUNCTION cadence._timer(text, boolean, text, jsonb, timestamptz, timestamptz, timestamptz,
                                         timestamptz) TO cadence_admin;

-- Recomputes each job's status from the event log and returns every disagreement
-- with cadence.jobs_status (none, in a healthy database).
CREATE OR REPLACE FUNCTION cadence.verify()
    RETURNS TABLE (job_id bigint, problem text, expected text, actual text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
WITH last_status AS (
    SELECT DISTINCT ON (e.job_id) e.job_id, e.id, e.status, e.attempt,
           (e.details ->> 'run_at')::timestamptz AS run_at,
           -- (An event that ends a run names the worker that held it; only a run holds one.)
           CASE WHEN e.status = 'running' THEN e.details ->> 'worker' END AS worker
    FROM cadence.job_events e
    WHERE e.event = e.status
    ORDER BY e.job_id, e.id DESC
), last_event AS (
    SELECT e.job_id, max(e.id) AS id FROM cadence.job_events e GROUP BY e.job_id
), last_pause AS (
    SELECT DISTINCT ON (e.job_id) e.job_id, e.event = 'paused' AS paused
    FROM cadence.job_events e WHERE e.event IN ('paused', 'resumed')
    ORDER BY e.job_id, e.id DESC
), derived AS (
    SELECT ls.job_id, ls.status, ls.attempt, ls.id AS status_event_id, le.id AS event_id,
           ls.run_at, ls.worker, coalesce(lp.paused, false) AS paused
    FROM last_status ls
    JOIN last_event le USING (job_id)
    LEFT JOIN last_pause lp USING (job_id)
), compared AS (
    SELECT coalesce(d.job_id, s.job_id) AS job_id,
           d.status AS d_status, d.attempt AS d_attempt, d.status_event_id AS d_status_event,
           d.event_id AS d_event, d.run_at AS d_run_at, d.worker AS d_worker, d.paused AS d_paused,
           coalesce(s.status, 'deleted') AS s_status, s.attempt AS s_attempt,
           s.status_event_id AS s_status_event, s.event_id AS s_event, s.run_at AS s_run_at,
           s.worker AS s_worker, s.paused AS s_paused, j.paused AS j_paused
    FROM derived d
    FULL JOIN cadence.jobs_status s ON s.job_id = d.job_id
    LEFT JOIN cadence.jobs j ON j.id = coalesce(d.job_id, s.job_id)
)
SELECT c.job_id, p.problem, p.expected, p.actual
FROM compared c,
LATERAL (VALUES
    ('status', c.d_status, c.s_status),
    ('attempt', c.d_attempt::text, c.s_attempt::text),
    ('status_event_id', c.d_status_event::text, c.s_status_event::text),
    ('event_id', c.d_event::text, c.s_event::text),
    ('run_at', c.d_run_at::text, c.s_run_at::text),
    ('worker', c.d_worker, c.s_worker),
    ('paused', c.d_paused::text, c.s_paused::text),
    ('jobs.paused', c.d_paused::text, c.j_paused::text)
) AS p(problem, expected, actual)
-- A deleted job has no rows left but its events: nothing to compare.
WHERE NOT (c.d_status = 'deleted' AND c.s_status = 'deleted' AND c.j_paused IS NULL)
  AND p.expected IS DISTINCT FROM p.actual
UNION ALL
-- The kept counts (cadence.status_counts) against a count of the jobs.
SELECT NULL::bigint, format('jobs of %s in queue %s with status %s', coalesce(a.owner, k.owner),
                            coalesce(a.queue, k.queue), coalesce(a.status, k.status)),
       coalesce(a.jobs, 0)::text, coalesce(k.jobs, 0)::text
FROM (SELECT owner, queue, status, count(*) AS jobs FROM cadence.jobs_status GROUP BY 1, 2, 3) a
FULL JOIN (SELECT owner, queue, status, sum(jobs) AS jobs
           FROM (SELECT owner, queue, status, jobs FROM cadence.job_counts
                 UNION ALL SELECT owner, queue, status, delta FROM cadence.job_count_changes) u
           GROUP BY 1, 2, 3 HAVING sum(jobs) <> 0) k
  ON k.owner = a.owner AND k.queue = a.queue AND k.status = a.status
WHERE coalesce(a.jobs, 0) <> coalesce(k.jobs, 0)
ORDER BY 1, 2
$$;
COMMENT ON FUNCTION cadence.verify() IS
    'recomputes every visible job''s status from the event log; returns the disagreements (none when healthy)';
