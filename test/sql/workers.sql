-- cadence.workers: the workers that claimed, renewed and ended runs, as each role
-- may see them; gone after cadence.worker_gone_after; executor names reserved.
CREATE ROLE cadence_wk_alice IN ROLE cadence_user;
CREATE ROLE cadence_wk_bob IN ROLE cadence_user;

SET ROLE cadence_wk_alice;
SELECT cadence.create_job('wk a1', cadence.once(now()), payload => '{}', queue => 'wk-alice') AS a1 \gset
SELECT cadence.create_job('wk a2', cadence.once(now()), payload => '{}', queue => 'wk-alice') AS a2 \gset
SELECT cadence.create_job('wk a3', cadence.once(now()), payload => '{}', queue => 'wk-alice') AS a3 \gset
SELECT count(*) AS claimed FROM cadence.claim('wk-alice', 'wk-host-1', 2);
SELECT cadence.complete(:a1, 'wk-host-1');
SELECT cadence.fail(:a2, 'wk-host-1', 'disk full');
SELECT count(*) AS claimed FROM cadence.claim('wk-alice', 'wk-host-2');
-- The events that end a run name the worker that held it.
SELECT event, worker FROM cadence.job_history WHERE job_id IN (:a1, :a2) AND worker IS NOT NULL
ORDER BY event_id;
RESET ROLE;

SET ROLE cadence_wk_bob;
SELECT cadence.create_job('wk b1', cadence.once(now()), payload => '{}', queue => 'wk-bob') AS b1 \gset
SELECT count(*) AS claimed FROM cadence.claim('wk-bob', 'wk-host-1');
-- Bob sees the worker as far as it handled his jobs: his queue, his run.
SELECT worker, kind, state, queues, running = ARRAY[:b1]::bigint[] AS holds_his_run, completed, failed
FROM cadence.workers WHERE worker LIKE 'wk-%';
RESET ROLE;

SET ROLE cadence_wk_alice;
SELECT worker, kind, state, queues, running = ARRAY[:a3]::bigint[] AS holds_her_run, completed, failed,
       first_seen <= last_seen AS seen_in_order
FROM cadence.workers WHERE worker LIKE 'wk-%' ORDER BY worker;
-- Not seen for longer than cadence.worker_gone_after: gone.
SET cadence.worker_gone_after = '1s';
SELECT pg_sleep(1.2);
SELECT worker, state FROM cadence.workers WHERE worker LIKE 'wk-%' ORDER BY worker;
RESET cadence.worker_gone_after;
-- The executors' names are theirs.
SELECT * FROM error_of($$SELECT cadence.claim('wk-alice', 'pg_cadence executor 1')$$);
RESET ROLE;

-- An admin sees the worker's whole activity, folded (as the scheduler does about
-- once a second) or not: the same figures.
SELECT worker, queues, completed, failed FROM cadence.workers WHERE worker = 'wk-host-1';
SELECT cadence._fold_worker_activity() IS NOT NULL AS folded;
SELECT worker, queues, completed, failed FROM cadence.workers WHERE worker = 'wk-host-1';
SELECT worker, owner, queue, completed, failed FROM cadence.worker_activity WHERE worker LIKE 'wk-%'
ORDER BY worker, queue;
-- A claim that finds nothing says the worker is alive (at most every 10 seconds).
UPDATE cadence.worker_activity SET last_seen = now() - interval '1 hour' WHERE worker = 'wk-host-2';
SET ROLE cadence_wk_alice;
SELECT count(*) AS claimed FROM cadence.claim('wk-alice', 'wk-host-2');
SELECT count(*) AS claimed FROM cadence.claim('wk-alice', 'wk-host-2');
RESET ROLE;
-- One sighting (the second claim was within 10 seconds), insert-only, then folded
-- into the worker's last_seen (by the scheduler meanwhile, or by the call below).
SELECT (SELECT count(*) FROM cadence.worker_sightings WHERE worker = 'wk-host-2') +
       (SELECT count(*) FROM cadence.worker_activity
        WHERE worker = 'wk-host-2' AND last_seen > now() - interval '1 minute') AS seen_once;
SELECT cadence._fold_worker_activity() IS NOT NULL AS folded;
SELECT last_seen > now() - interval '1 minute' AS seen_now FROM cadence.worker_activity WHERE worker = 'wk-host-2';
SELECT count(*) AS sightings_left FROM cadence.worker_sightings WHERE worker LIKE 'wk-%';

SELECT cadence.delete_job(id) FROM cadence.jobs WHERE queue IN ('wk-alice', 'wk-bob') ORDER BY id;
DROP OWNED BY cadence_wk_alice, cadence_wk_bob;
DROP ROLE cadence_wk_alice, cadence_wk_bob;
