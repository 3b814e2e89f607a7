-- Row security and ownership: a role sees and changes only its own jobs;
-- cadence_admin sees and manages all. Jobs belong to the role that created them.
CREATE ROLE cadence_alice IN ROLE cadence_user;
CREATE ROLE cadence_bob IN ROLE cadence_user;
CREATE ROLE cadence_carol IN ROLE cadence_admin;
CREATE ROLE cadence_alice_team IN ROLE cadence_alice;  -- a member of alice
CREATE SCHEMA alice_space AUTHORIZATION cadence_alice;
GRANT USAGE ON SCHEMA alice_space TO cadence_bob;

SET ROLE cadence_alice;
SELECT cadence.create_job('alice job', cadence.once(now()), queue => 'shared') AS alice_job \gset
SELECT current_user, owner FROM cadence.jobs WHERE id = :alice_job;
RESET ROLE;

SET ROLE cadence_bob;
SELECT cadence.create_job('bob job', cadence.once(now() + interval '1 hour'), queue => 'shared') AS bob_job \gset
-- Bob sees only his job, in every table and view.
SELECT name FROM cadence.jobs;
SELECT count(*) AS bob_sees_status FROM cadence.jobs_status;
SELECT DISTINCT job_id = :bob_job AS only_his_events FROM cadence.job_events;
SELECT name FROM cadence.recent_jobs;
SELECT DISTINCT job_id = :bob_job AS only_his_history FROM cadence.job_history;
-- Bob can neither claim, cancel, pause, alter, run nor delete Alice's job: to him it
-- does not exist.
SELECT count(*) AS bob_claims FROM cadence.claim('shared', 'bob-worker');
SELECT replace(s.stmt, :'alice_job', 'ALICE') AS stmt, e.code,
       replace(e.message, :'alice_job', 'ALICE') AS message
FROM (VALUES
    (format('SELECT cadence.cancel_job(%s)', :alice_job)),
    (format('SELECT cadence.delete_job(%s)', :alice_job)),
    (format('SELECT cadence.pause_job(%s)', :alice_job)),
    (format('SELECT cadence.run_job_now(%s)', :alice_job)),
    (format('SELECT cadence.alter_job(%s, max_attempts => 9)', :alice_job)),
    (format('SELECT cadence.complete(%s, ''bob-worker'')', :alice_job))
) AS s(stmt), LATERAL error_of(s.stmt) AS e;
-- Writing the tables directly is refused; so is calling the internal functions.
SELECT * FROM error_of('UPDATE cadence.jobs_status SET status = ''completed''');
SELECT * FROM error_of('INSERT INTO cadence.job_events (job_id, event, status, attempt, owner) VALUES (1, ''completed'', ''completed'', 1, ''cadence_bob'')');
SELECT * FROM error_of(format('SELECT cadence._cancel_job(10, %s)', :alice_job));
SELECT * FROM error_of('SELECT cadence.prune_events(''1 day'')');
RESET ROLE;

-- Alice's job is untouched.
SELECT status, paused FROM cadence.jobs_status WHERE job_id = :alice_job;

-- A member of alice acts as alice.
SET ROLE cadence_alice_team;
SELECT job_id = :alice_job AS team_claims_alices_job FROM cadence.claim('shared', 'team-worker');
RESET ROLE;

-- An admin sees and manages every job.
SET ROLE cadence_carol;
SELECT name FROM cadence.jobs WHERE owner::text LIKE 'cadence\_%' ORDER BY id;
SELECT cadence.cancel_job(:bob_job);
SELECT cadence.prune_events('1 day');
RESET ROLE;
SELECT status FROM cadence.jobs_status WHERE job_id = :bob_job;

-- A job created inside a SECURITY DEFINER function belongs to the role in effect
-- there (the function's owner), not to whoever called the function.
SET ROLE cadence_alice;
CREATE FUNCTION alice_space.alice_creates() RETURNS bigint LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT cadence.create_job('made by alice''s function', cadence.once(now())) $$;
RESET ROLE;
SET ROLE cadence_bob;
SELECT alice_space.alice_creates() AS via_function \gset
RESET ROLE;
SELECT owner FROM cadence.jobs WHERE id = :via_function;

SELECT * FROM cadence.verify();
-- Each role counts only the jobs it can see.
SET ROLE cadence_alice;
SELECT sum(jobs) = (SELECT count(*) FROM cadence.jobs_status) AS alice_counts_hers FROM cadence.status_counts;
RESET ROLE;
SELECT sum(jobs) = (SELECT count(*) FROM cadence.jobs_status) AS superuser_counts_all FROM cadence.status_counts;

-- A superuser manages every job too.
SELECT count(*) AS deleted FROM cadence.jobs j, LATERAL cadence.delete_job(j.id) d
WHERE j.owner::text LIKE 'cadence\_%';
DROP SCHEMA alice_space CASCADE;
DROP ROLE cadence_alice_team;
DROP ROLE cadence_alice;
DROP ROLE cadence_bob;
DROP ROLE cadence_carol;
