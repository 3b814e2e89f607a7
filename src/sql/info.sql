-- The library's version and the scheduler's state.

CREATE OR REPLACE FUNCTION cadence.version() RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_version';
COMMENT ON FUNCTION cadence.version() IS 'version of the pg_cadence library';

CREATE OR REPLACE FUNCTION cadence.scheduler_state(OUT pid int, OUT database oid, OUT started_at timestamptz,
                                        OUT timers bigint, OUT fires bigint,
                                        OUT loaded_timers bigint, OUT load_ms float8,
                                        OUT last_load timestamptz, OUT resyncs bigint,
                                        OUT last_error text)
    RETURNS record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_scheduler_state';

CREATE OR REPLACE VIEW cadence.scheduler AS
    SELECT s.pid, d.datname AS database, s.started_at, s.timers, s.fires, s.loaded_timers,
           s.load_ms, s.last_load, s.resyncs, s.last_error
    FROM cadence.scheduler_state() s
    LEFT JOIN pg_catalog.pg_database d ON d.oid = s.database;
COMMENT ON VIEW cadence.scheduler IS
    'the scheduler: pid, start, timers in its map, due timers handled, its last load or resynchronisation, its last error (nulls while it is not running)';
-- Its last error may name another role's job: for administrators.
REVOKE ALL ON FUNCTION cadence.scheduler_state() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadence.scheduler_state() TO cadence_admin;
REVOKE ALL ON cadence.scheduler FROM PUBLIC;
GRANT SELECT ON cadence.scheduler TO cadence_admin;

-- For clients that check before they listen: cadence.database_name is readable
-- by superusers only.
CREATE OR REPLACE FUNCTION cadence.service() RETURNS text
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_service';
COMMENT ON FUNCTION cadence.service() IS
    'whether pg_cadence serves this database: served, not preloaded (shared_preload_libraries lacks it) or not listed (cadence.database_name leaves it out)';

-- Anyone may NOTIFY cadence_status: listeners accept only what this process sends.
CREATE OR REPLACE FUNCTION cadence.publisher_pid() RETURNS int
    LANGUAGE c VOLATILE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_publisher_pid';
COMMENT ON FUNCTION cadence.publisher_pid() IS
    'process id of the backend that publishes this database''s status changes (NOTIFY cadence_status and cadence_work), NULL while none runs; a notification from any other process is forged';

-- Where a consumer's position starts (docs/status-positions.md).
-- SECURITY DEFINER: it reads the event sequence, which roles cannot.
CREATE OR REPLACE FUNCTION cadence.status_horizon() RETURNS bigint
    LANGUAGE c VOLATILE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog
    AS 'MODULE_PATHNAME', 'cadence_status_horizon';
COMMENT ON FUNCTION cadence.status_horizon() IS
    'an event id below which every event of this database is committed or rolled back: a consumer reads it, then (in a later statement) the events at or above it, and resumes from there (docs/status-positions.md)';

-- Every database pg_cadence serves in the cluster (its launcher's view).
CREATE OR REPLACE FUNCTION cadence._served_databases(OUT database oid, OUT scheduler_pid int,
                                                     OUT started_at timestamptz, OUT timers bigint,
                                                     OUT fires bigint, OUT executors int, OUT running int,
                                                     OUT waiting_for_executor boolean, OUT last_error text)
    RETURNS SETOF record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_served_databases';
CREATE OR REPLACE VIEW cadence.databases AS
    SELECT d.datname AS database, s.scheduler_pid, s.started_at, s.timers, s.fires, s.executors,
           s.running, s.waiting_for_executor, s.last_error
    FROM cadence._served_databases() s
    LEFT JOIN pg_catalog.pg_database d ON d.oid = s.database;
COMMENT ON VIEW cadence.databases IS
    'every database of the cluster that pg_cadence serves: its scheduler, timers, fires, executors and runs running now, whether due runs wait for an executor, its last error';
REVOKE ALL ON FUNCTION cadence._served_databases() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadence._served_databases() TO cadence_admin;
REVOKE ALL ON cadence.databases FROM PUBLIC;
GRANT SELECT ON cadence.databases TO cadence_admin;
