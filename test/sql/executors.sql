-- Executors: the SQL-visible parts. The executors serve cadence.database_name, not
-- this database, so here their functions are called by hand, as an executor would.
SELECT current_setting('cadence.max_executors')::int > 0 AS executors_configured;
-- This database's executors: none, as it is not served (executors start on demand).
SELECT count(*) AS executors_here,
       bool_and(state IN ('starting', 'idle', 'running')) IS NOT FALSE AS known_states
FROM cadence.executors;
-- Queue limits are a server setting, not a session one.
SET cadence.executor_queue_limits = 'reports=2';

-- None of this is for PUBLIC.
CREATE ROLE regress_exec_user IN ROLE cadence_user;
SET ROLE regress_exec_user;
SELECT * FROM cadence._executor_claim('x', '{}', '{}', NULL);
SELECT cadence._executor_finish(1, 'x', 'complete', '{}');
SELECT cadence._executor_recover('x', NULL, '{}');
SELECT * FROM cadence.executors;
RESET ROLE;

-- Due runs are claimed one at a time in due order, with the owner, body and timeout.
SELECT cadence.create_job('regress sql b', cadence.once(now() - interval '1 minute'),
                          sql => 'SELECT 2', timeout => '1.5 s') AS b \gset
SELECT cadence.create_job('regress sql a', cadence.once(now() - interval '2 minutes'),
                          sql => 'SELECT 1') AS a \gset
SELECT cadence.create_job('regress sql later', cadence.once(now() + interval '1 hour'),
                          sql => 'SELECT 3') AS later \gset
SELECT cadence.create_job('regress external', cadence.once(now() - interval '3 minutes')) AS ext \gset
-- A due run of a SQL job is for the executors: the scheduler's tick says 'run'.
SELECT job_id = :a AS is_a, timer_at, timer_kind FROM cadence._tick(ARRAY[:a]::bigint[]);
-- An executor bound to another owner's state claims none of them.
SELECT count(*) AS other_owner FROM cadence._executor_claim('regress executor', '{}', '{}', 'pg_monitor'::regrole);
SELECT job_id = :a AS first, owner::regrole, body, timeout_ms, attempt
FROM cadence._executor_claim('regress executor', '{}', '{}', NULL);
SELECT job_id = :b AS second, body, timeout_ms FROM cadence._executor_claim('regress executor', '{}', '{}', NULL);
SELECT count(*) AS none_left FROM cadence._executor_claim('regress executor', '{}', '{}', NULL);
-- External workers never see SQL jobs, and executors never see external ones.
SELECT count(*) AS external_claims FROM cadence.claim('default', 'regress worker', 10);
SELECT status, worker FROM cadence.jobs_status WHERE job_id IN (:a, :b) ORDER BY job_id DESC;

-- How a run ended is recorded only by the executor holding it, while it runs.
SELECT cadence._executor_finish(:a, 'regress executor', 'complete',
                                '{"result": {"command": "SELECT", "rows": 1}, "duration_ms": 0}');
SELECT cadence._executor_finish(:a, 'regress executor', 'complete', '{}') AS no_longer_running;
SELECT cadence._executor_finish(:b, 'another executor', 'complete', '{}') AS not_its_run;
SELECT cadence._executor_finish(:b, 'regress executor', 'fail',
    '{"error": "division by zero", "sqlstate": "22012", "context": "SQL statement \"SELECT 1/0\""}');
SELECT name, status, attempt, last_error, last_traceback FROM cadence.recent_jobs
WHERE job_id IN (:a, :b) ORDER BY job_id DESC;
SELECT event, details - 'run_at' AS details FROM cadence.job_events WHERE job_id = :a ORDER BY id;
-- A run canceled while it runs is not the executor's to record any more.
SELECT cadence.run_job_now(:later);
SELECT job_id = :later AS claimed FROM cadence._executor_claim('regress executor', '{}', '{}', NULL);
SELECT cadence.cancel_job(:later);
SELECT cadence._executor_finish(:later, 'regress executor', 'complete', '{}') AS after_cancel;
SELECT status FROM cadence.jobs_status WHERE job_id = :later;

-- A queue limit: with one run of 'limited' running, its next runs wait; other queues go on.
SELECT count(cadence.create_job('limited ' || i, cadence.once(now() - interval '1 minute'),
                                sql => 'SELECT 1', queue => 'limited')) FROM generate_series(1, 3) i;
SELECT cadence.create_job('free', cadence.once(now()), sql => 'SELECT 1', queue => 'free') AS free \gset
SELECT j.name FROM cadence._executor_claim('regress executor', '{limited}', '{1}', NULL) c JOIN cadence.jobs j ON j.id = c.job_id;
SELECT j.name FROM cadence._executor_claim('regress executor', '{limited}', '{1}', NULL) c JOIN cadence.jobs j ON j.id = c.job_id;
SELECT count(*) AS nothing_more FROM cadence._executor_claim('regress executor', '{limited}', '{1}', NULL);
SELECT j.name FROM cadence._executor_claim('regress executor', '{limited}', '{2}', NULL) c JOIN cadence.jobs j ON j.id = c.job_id;

-- Runs left running by a dead executor are failed when it starts again; executor 1
-- also fails those of executors that no longer exist.
SELECT cadence._executor_recover('regress executor', NULL,
    '{"error": "the executor running this job ended during the run", "executor_lost": true}') AS recovered;
SELECT cadence.run_job_now(:b);
SELECT count(*) FROM cadence._executor_claim('gone executor', '{}', '{}', NULL);
SELECT cadence._executor_recover('another executor', ARRAY['another executor'], '{"error": "lost"}') AS recovered;
SELECT status, count(*) FROM cadence.jobs_status s JOIN cadence.jobs j ON j.id = s.job_id
WHERE j.kind = 'sql' GROUP BY status ORDER BY status;

SELECT count(*) AS disagreements FROM cadence.verify();
SELECT count(cadence.delete_job(id)) FROM cadence.jobs;
DROP ROLE regress_exec_user;
