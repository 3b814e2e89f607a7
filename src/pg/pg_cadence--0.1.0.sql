-- pg_cadence 0.1.0: install script (CREATE EXTENSION pg_cadence)
\echo Use "CREATE EXTENSION pg_cadence" to load this file. \quit

CREATE FUNCTION cadence.version() RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_version';
COMMENT ON FUNCTION cadence.version() IS 'version of the pg_cadence library';

CREATE FUNCTION cadence.scheduler_state(OUT pid int, OUT database oid, OUT started_at timestamptz)
    RETURNS record
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_scheduler_state';

CREATE VIEW cadence.scheduler AS
    SELECT s.pid, d.datname AS database, s.started_at
    FROM cadence.scheduler_state() s
    LEFT JOIN pg_catalog.pg_database d ON d.oid = s.database;
COMMENT ON VIEW cadence.scheduler IS 'the scheduler background worker: pid and start time (nulls while it is not running)';

-- Self-tests of the C++/PostgreSQL error boundary (used by the test suites).
CREATE FUNCTION cadence._selftest_boundary(mode text) RETURNS text
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_selftest_boundary';
CREATE FUNCTION cadence._selftest_live_objects() RETURNS int
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_selftest_live_objects';
CREATE FUNCTION cadence._selftest_lock_through_guard(rel regclass) RETURNS int
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_selftest_lock_through_guard';
REVOKE ALL ON FUNCTION cadence._selftest_boundary(text), cadence._selftest_live_objects(),
    cadence._selftest_lock_through_guard(regclass) FROM PUBLIC;

GRANT USAGE ON SCHEMA cadence TO PUBLIC;

-- Triggers: JSON descriptors of when a job runs (see README, "Triggers").
CREATE FUNCTION cadence.every(period interval, anchor timestamptz DEFAULT NULL) RETURNS jsonb
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_every';
COMMENT ON FUNCTION cadence.every(interval, timestamptz) IS
    'interval trigger: ticks at anchor + k * period (anchor defaults to the job''s creation)';

CREATE FUNCTION cadence.cron(expr text, timezone text DEFAULT 'UTC') RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_cron';
COMMENT ON FUNCTION cadence.cron(text, text) IS
    'cron trigger: 5 or 6 fields or a macro, evaluated in an IANA time zone';

CREATE FUNCTION cadence.once(at timestamptz DEFAULT now()) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_once';
COMMENT ON FUNCTION cadence.once(timestamptz) IS 'one-shot trigger at the given time';

CREATE FUNCTION cadence.validate_trigger(trigger jsonb) RETURNS jsonb
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cadence_validate_trigger';
COMMENT ON FUNCTION cadence.validate_trigger(jsonb) IS
    'the normalised trigger descriptor, or an error (22023) saying what is wrong';

CREATE FUNCTION cadence.next_fire_times(trigger jsonb, after timestamptz DEFAULT now(),
                                        count int DEFAULT 5)
    RETURNS SETOF timestamptz
    LANGUAGE c STABLE STRICT PARALLEL SAFE ROWS 5
    AS 'MODULE_PATHNAME', 'cadence_next_fire_times';
COMMENT ON FUNCTION cadence.next_fire_times(jsonb, timestamptz, int) IS
    'the next fire times strictly after "after" (an interval without anchor is anchored there)';
