-- The job lifecycle through the public API, the event log, and verify().
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- A one-shot external job is scheduled at once and due now.
SELECT cadence.create_job('send report', cadence.once(now() - interval '1 second'),
                          payload => '{"to": "ops"}') AS report \gset
SELECT name, queue, kind, payload, max_attempts, backoff, timeout, owner, paused
FROM cadence.jobs WHERE id = :report;
SELECT status, attempt, run_at <= now() AS due, worker FROM cadence.jobs_status WHERE job_id = :report;

-- Claim it: only due runs of the queue, reported with their lease.
SELECT count(*) AS claimed_from_other_queue FROM cadence.claim('other', 'worker-1');
SELECT job_id = :report AS is_report, name, attempt, payload,
       lease_expires_at - now() BETWEEN interval '5 min' AND interval '5 min 10 s' AS five_minute_lease
FROM cadence.claim('default', 'worker-1');
SELECT count(*) AS nothing_left FROM cadence.claim('default', 'worker-2');
SELECT status, attempt, worker FROM cadence.jobs_status WHERE job_id = :report;

-- Heartbeats extend the lease and record progress, without an event.
SELECT count(*) AS events_before FROM cadence.job_events WHERE job_id = :report \gset
SELECT cadence.heartbeat(:report, 'worker-1', 40) > now() AS lease_extended;
SELECT progress FROM cadence.jobs_status WHERE job_id = :report;
SELECT count(*) = :events_before AS heartbeat_appends_nothing FROM cadence.job_events WHERE job_id = :report;

-- Complete it; the result is in the log, not in the status.
SELECT cadence.complete(:report, 'worker-1', '{"rows": 12}');
SELECT status, attempt, worker, progress FROM cadence.jobs_status WHERE job_id = :report;
SELECT event, status, attempt, details - 'run_at' AS details
FROM cadence.job_history WHERE job_id = :report;

-- Failures: retried while attempts remain (status error, retry time set), then fatal.
SELECT cadence.create_job('flaky', cadence.once(now()), max_attempts => 2,
                          backoff => '1 minute', queue => 'flaky') AS flaky \gset
SELECT count(*) FROM cadence.claim('flaky', 'w');
SELECT cadence.fail(:flaky, 'w', 'connection refused', 'at line 3');
SELECT status, attempt, run_at - now() BETWEEN interval '47 s' AND interval '73 s' AS backoff_with_jitter
FROM cadence.jobs_status WHERE job_id = :flaky;
SELECT cadence.run_job_now(:flaky);  -- an immediate retry: attempt 2
SELECT status, attempt FROM cadence.jobs_status WHERE job_id = :flaky;
SELECT count(*) FROM cadence.claim('flaky', 'w');
SELECT cadence.fail(:flaky, 'w', 'connection refused again');
SELECT status, attempt FROM cadence.jobs_status WHERE job_id = :flaky;
SELECT job_id = :flaky AS flaky, status, attempt, last_error, last_traceback
FROM cadence.recent_jobs WHERE job_id = :flaky;
-- After a completed run, attempts count from 1 again.
SELECT cadence.run_job_now(:flaky);
SELECT status, attempt FROM cadence.jobs_status WHERE job_id = :flaky;

-- Periodic jobs: the first run is due at the first tick after creation.
SELECT cadence.create_job('nightly', cadence.cron('0 3 * * *', 'Europe/Berlin'),
                          queue => 'maintenance') AS nightly \gset
SELECT s.run_at = (SELECT f FROM cadence.next_fire_times(j.trigger, j.created_at, 1) f) AS first_tick,
       s.fire_time = s.run_at AS fire_time_is_tick
FROM cadence.jobs j JOIN cadence.jobs_status s ON s.job_id = j.id WHERE j.id = :nightly;
SELECT count(*) AS not_due_yet FROM cadence.claim('maintenance', 'w');
-- A re-deploy is an event; a first run still waiting follows the new trigger.
SELECT cadence.alter_job(:nightly, trigger => cadence.cron('30 4 * * *', 'Europe/Berlin'),
                         max_attempts => 5);
SELECT (run_at AT TIME ZONE 'Europe/Berlin')::time AS new_local_time FROM cadence.jobs_status
WHERE job_id = :nightly;
SELECT event, status, details ->> 'changed' AS changed, details ->> 'reason' AS reason
FROM cadence.job_history WHERE job_id = :nightly;
SELECT cadence.alter_job(:nightly, max_attempts => 5);  -- nothing changes: no event
SELECT count(*) AS events FROM cadence.job_events WHERE job_id = :nightly;
SELECT trigger, max_attempts FROM cadence.jobs WHERE id = :nightly;

-- Pause and resume; a paused job cannot be claimed or run.
SELECT cadence.create_job('pausable', cadence.once(now()), queue => 'pausable') AS pausable \gset
SELECT cadence.pause_job(:pausable);
SELECT count(*) AS claimed_while_paused FROM cadence.claim('pausable', 'w');
SELECT paused FROM cadence.jobs WHERE id = :pausable;
SELECT cadence.resume_job(:pausable);
SELECT count(*) AS claimed_after_resume FROM cadence.claim('pausable', 'w');

-- Cancel a scheduled and a running job.
SELECT cadence.create_job('to cancel', cadence.once(now() + interval '1 hour')) AS c1 \gset
SELECT cadence.cancel_job(:c1);
SELECT cadence.cancel_job(:pausable);  -- running
SELECT job_id, status FROM cadence.jobs_status WHERE job_id IN (:c1, :pausable) ORDER BY job_id;
SELECT * FROM error_of(format('SELECT cadence.complete(%s, %L)', :pausable, 'w'));

-- Delete: a final deleted event, and the job is gone.
SELECT cadence.delete_job(:c1);
SELECT count(*) AS job_rows FROM cadence.jobs WHERE id = :c1;
SELECT event, status FROM cadence.job_history WHERE job_id = :c1 ORDER BY event_id DESC LIMIT 1;

-- recent_jobs order: running, scheduled, error/fatal, then completed and canceled.
SELECT cadence.create_job('running one', cadence.once(now()), queue => 'order') AS r \gset
SELECT count(*) FROM cadence.claim('order', 'w');
SELECT name, status FROM cadence.recent_jobs;

-- The log and the status agree.
SELECT * FROM cadence.verify();

-- Illegal calls and bad input: a SQLSTATE and a message that says what and why.
SELECT s.stmt, e.code, e.message
FROM (VALUES
    ('SELECT cadence.create_job(NULL, cadence.once())'),
    ('SELECT cadence.create_job('''', cadence.once())'),
    ('SELECT cadence.create_job(''x'', NULL)'),
    ('SELECT cadence.create_job(''x'', ''{"kind": "cron", "expr": "61 * * * *"}'')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), sql => ''SELECT 1'', payload => ''{}'')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), sql => ''  '')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), max_attempts => 0)'),
    ('SELECT cadence.create_job(''x'', cadence.once(), max_attempts => NULL)'),
    ('SELECT cadence.create_job(''x'', cadence.once(), backoff => ''-1 s'')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), backoff => ''1 mon'')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), timeout => ''0'')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), queue => '''')'),
    ('SELECT cadence.create_job(''x'', cadence.once(), queue => repeat(''q'', 64))'),
    ('SELECT cadence.claim(''default'', ''w'', lease => ''-5 minutes'')'),
    ('SELECT cadence.claim(''default'', ''w'', 0)'),
    ('SELECT cadence.claim(''default'', '''')'),
    ('SELECT cadence.cancel_job(999999)'),
    ('SELECT cadence.cancel_job(NULL)'),
    ('SELECT cadence.complete(999999, ''w'')'),
    (format('SELECT cadence.complete(%s, ''intruder'')', :r)),
    (format('SELECT cadence.heartbeat(%s, ''w'', 101)', :r)),
    (format('SELECT cadence.fail(%s, ''w'', '''')', :r)),
    (format('SELECT cadence.cancel_job(%s)', :report)),
    (format('SELECT cadence.run_job_now(%s)', :r)),
    (format('SELECT cadence.resume_job(%s)', :r)),
    (format('SELECT cadence.cancel_job(%s)', :c1)),
    (format('SELECT cadence.alter_job(%s, sql => ''SELECT 1'')', :r)),
    (format('SELECT cadence.alter_job(%s, max_attempts => 0)', :r)),
    (format('SELECT cadence.alter_job(%s, trigger => ''{"kind": "hourly"}'')', :r))
) AS s(stmt), LATERAL error_of(s.stmt) AS e;

-- The longest queue name is 63 bytes (64 is refused above), one number in one
-- place (core::max_queue_name_bytes): the column's check asks the library too.
SELECT cadence._max_queue_name_bytes();
SELECT pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'cadence.jobs'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%queue%';
SELECT code, message FROM error_of($$
    INSERT INTO cadence.jobs (id, name, queue, kind, payload, trigger, owner, max_attempts, backoff, created_at)
    VALUES (1000000, 'x', repeat('q', 64), 'external', '{}', '{}', 10, 1, '1s', now())$$);

-- A paused job cannot be claimed even when due.
SELECT cadence.create_job('paused and due', cadence.once(now()), queue => 'p') AS pd \gset
SELECT cadence.pause_job(:pd);
SELECT * FROM error_of(format('SELECT cadence.run_job_now(%s)', :pd));

-- The event log is append-only.
SELECT * FROM error_of('UPDATE cadence.job_events SET attempt = 9');
SELECT * FROM error_of('DELETE FROM cadence.job_events');
SELECT * FROM error_of('TRUNCATE cadence.job_events');

-- Pruning keeps what defines each job's current state.
SELECT cadence.prune_events('0 seconds') > 0 AS pruned_some;
SELECT * FROM cadence.verify();
SELECT count(*) AS deleted_jobs_events_left FROM cadence.job_events WHERE job_id = :c1;
SELECT count(*) AS live_jobs_keep_their_status_event FROM cadence.jobs_status s
WHERE NOT EXISTS (SELECT FROM cadence.job_events e WHERE e.id = s.status_event_id);
SELECT * FROM error_of('SELECT cadence.prune_events(''-1 day'')');

SELECT * FROM cadence.verify();

-- The counts per queue and status are kept as jobs change (cadence.status_counts),
-- equal to a count of the jobs, before and after the scheduler-side fold.
SELECT * FROM cadence.status_counts ORDER BY queue, status;
SELECT (SELECT count(*) FROM cadence.jobs_status) AS jobs,
       (SELECT sum(jobs) FROM cadence.status_counts) AS counted;
SELECT cadence._fold_job_counts() >= 0 AS folded;
SELECT * FROM cadence.status_counts ORDER BY queue, status;
SELECT * FROM cadence.verify();
-- A count that disagrees is what verify() reports.
INSERT INTO cadence.job_count_changes VALUES ('postgres', 'default', 'running', 1);
SELECT problem, expected, actual FROM cadence.verify();
DELETE FROM cadence.job_count_changes WHERE delta = 1 AND status = 'running' AND queue = 'default';
