-- SQL jobs run as psql -c would run their body: as a top-level query string,
-- statement by statement. The executors serve cadence.database_name (postgres
-- here), so the jobs of this file are created there and waited for.
\c postgres
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cadence;
RESET client_min_messages;
CREATE ROLE regress_tl_owner LOGIN IN ROLE cadence_user;
GRANT CREATE ON SCHEMA public TO regress_tl_owner;
CREATE TABLE public.tl_theirs (x int);  -- the superuser's: its owner may not vacuum it

-- Creates a job that runs `body` now (one attempt), commits, and waits until it has ended.
CREATE PROCEDURE pg_temp.run(name text, body text, INOUT ended text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    job bigint := cadence.create_job(name, cadence.once(), sql => body, max_attempts => 1);
BEGIN
    COMMIT;
    FOR i IN 1 .. 600 LOOP
        SELECT status INTO ended FROM cadence.jobs_status WHERE job_id = job;
        IF ended IN ('completed', 'fatal', 'canceled') THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(0.05);
        COMMIT;  -- no long transaction: CREATE INDEX CONCURRENTLY would wait for it
    END LOOP;
    RAISE EXCEPTION 'job % (%) did not end within 30 seconds', job, name;
END $$;
-- How the jobs of this file ended: status, and what the ending event recorded.
CREATE FUNCTION pg_temp.outcomes() RETURNS TABLE (name text, status text, result jsonb, sqlstate text,
                                                   error text, committed_before_error jsonb)
LANGUAGE sql AS $$
    SELECT j.name, s.status, e.details -> 'result', e.details ->> 'sqlstate', e.details ->> 'error',
           e.details -> 'committed_before_error'
    FROM cadence.jobs j
    JOIN cadence.jobs_status s ON s.job_id = j.id
    JOIN cadence.job_events e ON e.id = s.status_event_id
    WHERE j.name LIKE 'tl %'
    ORDER BY j.id
$$;

SET ROLE regress_tl_owner;
CREATE TABLE tl_mine (id int PRIMARY KEY, x int);
INSERT INTO tl_mine SELECT i, i % 7 FROM generate_series(1, 1000) i;
CREATE TABLE tl_log (what text);
CREATE PROCEDURE tl_commit_and_rollback() LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tl_log VALUES ('procedure: committed');
    COMMIT;
    INSERT INTO tl_log VALUES ('procedure: rolled back');
    ROLLBACK;
    INSERT INTO tl_log VALUES ('procedure: committed at its end');
END $$;
-- A retention job as TimescaleDB and pg_cron users write them: delete in batches,
-- committing after each one.
CREATE TABLE tl_batches (batch int, xid xid8);
CREATE PROCEDURE tl_purge_in_batches() LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. 10 LOOP
        DELETE FROM tl_mine WHERE id IN (SELECT id FROM tl_mine ORDER BY id LIMIT 100);
        INSERT INTO tl_batches VALUES (i, pg_current_xact_id());
        COMMIT;
    END LOOP;
END $$;

-- Statements that refuse to run inside a transaction block or a function work
-- when they are the whole body.
CALL pg_temp.run('tl vacuum', 'VACUUM tl_mine');
CALL pg_temp.run('tl vacuum analyze', 'VACUUM (ANALYZE) tl_mine');
CALL pg_temp.run('tl create index concurrently', 'CREATE INDEX CONCURRENTLY tl_mine_x ON tl_mine (x)');
CALL pg_temp.run('tl reindex concurrently', 'REINDEX INDEX CONCURRENTLY tl_mine_x');
-- A procedure and a DO block that commit and roll back inside.
CALL pg_temp.run('tl call', 'CALL tl_commit_and_rollback()');
CALL pg_temp.run('tl do', $body$DO $$ BEGIN
    INSERT INTO tl_log VALUES ('do: committed'); COMMIT;
    INSERT INTO tl_log VALUES ('do: rolled back'); ROLLBACK; END $$$body$);
CALL pg_temp.run('tl call in batches', 'CALL tl_purge_in_batches()');
-- Several statements: one implicit transaction, as in psql -c.
CALL pg_temp.run('tl several', $$INSERT INTO tl_log VALUES ('several: first');
    INSERT INTO tl_log VALUES ('several: second'); SELECT * FROM tl_log$$);
CALL pg_temp.run('tl several, one fails', $$INSERT INTO tl_log VALUES ('one fails: first');
    SELECT 1 / 0$$);
-- ... so a statement that refuses transaction blocks cannot be one of several,
-- nor can a CALL that commits: psql -c says the same.
CALL pg_temp.run('tl vacuum among several', 'SELECT 1; VACUUM tl_mine');
CALL pg_temp.run('tl call among several', 'SELECT 1; CALL tl_commit_and_rollback()');
-- Transaction control of the body's own splits it: the second statement fails
-- after the first committed; the first stays, the failure is recorded. (COMMIT
-- of the implicit transaction warns, as psql -c shows.)
CALL pg_temp.run('tl second fails after a commit', $$INSERT INTO tl_log VALUES ('after a commit: first');
    COMMIT; INSERT INTO tl_log VALUES ('after a commit: second'); SELECT 1 / 0$$);
CALL pg_temp.run('tl begin and commit', $$BEGIN; INSERT INTO tl_log VALUES ('begin and commit');
    COMMIT; SELECT count(*) FROM tl_log$$);
-- A body that ends inside a block it opened: rolled back, and an error.
CALL pg_temp.run('tl left open', $$BEGIN; INSERT INTO tl_log VALUES ('left open')$$);
-- VACUUM of a table its owner does not own: psql's warning, and the run completes.
CALL pg_temp.run('tl vacuum of another''s table', 'VACUUM public.tl_theirs');
-- Nothing the owner could not do: CREATE DATABASE without CREATEDB, LISTEN.
CALL pg_temp.run('tl create database without the right', 'CREATE DATABASE regress_tl_db');
CALL pg_temp.run('tl listen', 'LISTEN somewhere');
RESET ROLE;
-- CREATE DATABASE, where the owner may.
CALL pg_temp.run('tl create database', 'CREATE DATABASE regress_tl_db');

SELECT * FROM pg_temp.outcomes();
SELECT details -> 'warnings' AS vacuum_warnings FROM cadence.job_events
WHERE event = 'completed' AND job_id = (SELECT id FROM cadence.jobs WHERE name = 'tl vacuum of another''s table');
SELECT details -> 'warnings' AS commit_warnings FROM cadence.job_events
WHERE event = 'fatal' AND job_id = (SELECT id FROM cadence.jobs WHERE name = 'tl second fails after a commit');
SELECT what FROM tl_log ORDER BY what;
SELECT count(*) AS rows_left, (SELECT count(DISTINCT xid) FROM tl_batches) AS batch_transactions FROM tl_mine;
SELECT indisvalid, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed
FROM pg_index i, pg_stat_user_tables t WHERE i.indexrelid = 'tl_mine_x'::regclass AND t.relname = 'tl_mine';
SELECT datname FROM pg_database WHERE datname = 'regress_tl_db';
SELECT count(*) AS disagreements FROM cadence.verify();

-- Leave postgres as it was for the suites that follow.
DROP DATABASE regress_tl_db;
SELECT count(cadence.delete_job(id)) FROM cadence.jobs WHERE name LIKE 'tl %';
DROP TABLE tl_mine, tl_log, tl_batches, public.tl_theirs;
DROP PROCEDURE tl_commit_and_rollback(), tl_purge_in_batches();
REVOKE CREATE ON SCHEMA public FROM regress_tl_owner;
DROP ROLE regress_tl_owner;

-- The list's next run: a periodic job that ended shows its next fire.
SELECT cadence.create_job('hourly', cadence.every('1 hour'), queue => 'hourly') AS h \gset
SELECT cadence.run_job_now(:h);
SELECT count(*) AS claimed FROM cadence.claim('hourly', 'w');
SELECT cadence.complete(:h, 'w');
SELECT r.status, r.next_run_at > now() AS has_a_next_run, r.next_run_at = s.timer_at AS at_its_next_fire
FROM cadence.recent_jobs r JOIN cadence.jobs_status s USING (job_id) WHERE job_id = :h;
SELECT cadence.delete_job(:h);
