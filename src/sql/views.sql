-------------------------------------------------------------------------------
-- Views and verification (run as the caller: row security applies).
-------------------------------------------------------------------------------

-- The list's order: running, scheduled, error and fatal, the rest (list_group 3
-- to 0); newest change first in each. The index jobs_status_list has this order,
-- so any page, from the top or after a row, reads about as many rows as it shows:
-- a page after (g, c, j) is WHERE (list_group, changed_at, job_id) < (g, c, j).
CREATE OR REPLACE VIEW cadence.recent_jobs WITH (security_invoker = true) AS
-- (job_id and queue are the status row's, which repeats the job's: a filter on them
-- then reads the index too.)
SELECT s.job_id, j.name, s.queue, j.kind, s.status, s.attempt, j.max_attempts, j.paused,
       -- A periodic job that ended runs again at its next fire (the scheduler's timer).
       coalesce(s.run_at, CASE WHEN s.timer_kind = 'fire' THEN s.timer_at END) AS next_run_at,
       s.fire_time, s.worker, s.progress, s.heartbeat_at,
       s.lease_expires_at, s.changed_at, e.details ->> 'error' AS last_error,
       coalesce(e.details ->> 'traceback', e.details ->> 'context') AS last_traceback,
       e.at AS last_error_at,
       j.owner, j.trigger, j.created_at, cadence._list_group(s.status) AS list_group
FROM cadence.jobs_status s
JOIN cadence.jobs j ON j.id = s.job_id
LEFT JOIN LATERAL (
    SELECT ev.details, ev.at FROM cadence.job_events ev
    WHERE ev.job_id = s.job_id AND ev.event IN ('error', 'fatal')
    ORDER BY ev.id DESC LIMIT 1) e ON true
ORDER BY cadence._list_group(s.status) DESC, s.changed_at DESC, s.job_id DESC;
COMMENT ON VIEW cadence.recent_jobs IS
    'the jobs page''s list: running, then scheduled, then error and fatal, then completed and canceled; newest first in each';

CREATE OR REPLACE VIEW cadence.job_history WITH (security_invoker = true) AS
SELECT e.id AS event_id, e.job_id, e.event, e.status, e.attempt, e.at, e.fire_time,
       e.details ->> 'worker' AS worker, e.details ->> 'error' AS error, e.details
FROM cadence.job_events e
ORDER BY e.job_id, e.id DESC;
COMMENT ON VIEW cadence.job_history IS 'every event of every job, newest first (filter by job_id)';

-- How many jobs there are per queue and status, without counting them: the folded
-- counts plus the changes not folded yet (at most about a second of them).
CREATE OR REPLACE VIEW cadence.status_counts WITH (security_invoker = true) AS
SELECT c.queue, c.status, sum(c.jobs)::bigint AS jobs
FROM (SELECT queue, status, jobs FROM cadence.job_counts
      UNION ALL
      SELECT queue, status, delta FROM cadence.job_count_changes) c
GROUP BY c.queue, c.status
HAVING sum(c.jobs) <> 0;
COMMENT ON VIEW cadence.status_counts IS
    'how many of the jobs the role can see are in each queue and status, kept as jobs change (no count of the jobs)';

GRANT SELECT ON cadence.recent_jobs, cadence.job_history, cadence.status_counts TO PUBLIC;

-- The events cadence._fold_worker_activity has not folded yet that name a worker
-- (about a second of them), as the caller may see them. Planned for the position
-- it reads each time: a plan for "some id" would scan the whole log.
CREATE OR REPLACE FUNCTION cadence._unfolded_worker_events(
        OUT worker text, OUT queue text, OUT seen_at timestamptz, OUT completed int, OUT failed int)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE ROWS 100
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    below bigint := coalesce((SELECT f.below FROM cadence.worker_activity_folded f), 0);
BEGIN
    RETURN QUERY
    -- (as cadence._fold_worker_activity: only claims, completions and failures are sightings)
    SELECT e.details ->> 'worker', e.queue,
           CASE WHEN e.details ->> 'reason' IN ('claim', 'complete', 'fail') THEN e.at END,
           (e.event = 'completed')::int, (e.event IN ('error', 'fatal'))::int
    FROM cadence.job_events e
    WHERE e.id >= below AND e.details ? 'worker' AND e.queue IS NOT NULL;
END $$;

-- The workers that claimed, renewed or ended runs of the jobs the role can see:
-- the folded activity, the events not folded yet and the runs held now (a
-- heartbeat writes no event: their heartbeat_at says when the worker was last
-- heard of). A worker not seen for cadence.worker_gone_after is gone.
CREATE OR REPLACE VIEW cadence.workers WITH (security_invoker = true) AS
WITH held AS MATERIALIZED (
    SELECT s.worker, s.queue, s.job_id, s.heartbeat_at
    FROM cadence.jobs_status s
    WHERE s.status = 'running' AND s.worker IS NOT NULL
), seen AS (
    SELECT a.worker, a.queue, a.first_seen, a.last_seen, a.completed, a.failed
    FROM cadence.worker_activity a
    UNION ALL
    SELECT u.worker, u.queue, u.seen_at, u.seen_at, u.completed, u.failed FROM cadence._unfolded_worker_events() u
    UNION ALL
    SELECT s.worker, s.queue, NULL, s.seen_at, 0, 0 FROM cadence.worker_sightings s
    UNION ALL
    SELECT h.worker, h.queue, h.heartbeat_at, h.heartbeat_at, 0, 0 FROM held h WHERE h.heartbeat_at IS NOT NULL
), holding AS (
    SELECT h.worker, array_agg(h.job_id ORDER BY h.job_id) AS running FROM held h GROUP BY h.worker
)
SELECT w.worker,
       CASE WHEN w.worker LIKE 'pg\_cadence executor %' THEN 'executor' ELSE 'external' END AS kind,
       -- (An executor is busy for as long as its run lasts: it sends no heartbeats.)
       CASE WHEN h.running IS NOT NULL AND (w.worker LIKE 'pg\_cadence executor %' OR NOT w.gone) THEN 'busy'
            WHEN w.gone THEN 'gone'
            ELSE 'idle' END AS state,
       w.queues, coalesce(h.running, '{}') AS running,
       w.completed::bigint AS completed, w.failed::bigint AS failed, w.first_seen, w.last_seen
FROM (SELECT s.worker, array_agg(DISTINCT s.queue ORDER BY s.queue) AS queues, sum(s.completed) AS completed,
             sum(s.failed) AS failed, min(s.first_seen) AS first_seen, max(s.last_seen) AS last_seen,
             -- (never seen at its own doing: only canceled runs or expired leases name it)
             coalesce(max(s.last_seen) < now() - coalesce(current_setting('cadence.worker_gone_after', true),
                                                            '5min')::interval, true) AS gone
      FROM seen s GROUP BY s.worker) w
LEFT JOIN holding h ON h.worker = w.worker
ORDER BY w.last_seen DESC, w.worker;
COMMENT ON VIEW cadence.workers IS
    'the workers (external, and the executors) that claimed, renewed or ended runs of the jobs the role can see: queues, the runs held now, completed and failed counts, first and last seen; busy, idle or gone (not seen for cadence.worker_gone_after)';
GRANT SELECT ON cadence.workers TO PUBLIC;
