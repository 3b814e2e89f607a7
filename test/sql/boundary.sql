-- Errors cross the C++/PostgreSQL boundary cleanly in both directions: the
-- SQLSTATE, message, detail and hint arrive intact, every C++ destructor has run
-- (no live objects afterwards) and the session stays usable.
-- (error_of comes from setup.sql.)

-- An exception thrown in the core becomes ERROR 22023 with its detail and hint.
SELECT * FROM error_of($$SELECT cadence._selftest_boundary('core')$$);
SELECT cadence._selftest_live_objects() AS live_after_core_error;

-- A PostgreSQL ERROR raised under C++ frames is carried up and re-raised as it was.
SELECT * FROM error_of($$SELECT cadence._selftest_boundary('pg')$$);
SELECT cadence._selftest_live_objects() AS live_after_pg_error;

-- Other exceptions: internal error (XX000) and out of memory (53200).
SELECT * FROM error_of($$SELECT cadence._selftest_boundary('std')$$);
SELECT * FROM error_of($$SELECT cadence._selftest_boundary('alloc')$$);
SELECT * FROM error_of($$SELECT cadence._selftest_boundary('nonsense')$$);
SELECT cadence._selftest_live_objects() AS live_after_all_errors;

-- The same errors reach psql directly, outside any PL/pgSQL handler.
\set VERBOSITY default
SELECT cadence._selftest_boundary('core');
SELECT cadence._selftest_boundary('pg');

-- Inside a transaction: the error aborts it, ROLLBACK recovers, and the session works.
BEGIN;
SELECT cadence._selftest_boundary('core');
SELECT cadence.version() IS NOT NULL AS in_aborted_transaction;
ROLLBACK;
BEGIN;
SAVEPOINT before_error;
SELECT cadence._selftest_boundary('pg');
ROLLBACK TO SAVEPOINT before_error;
SELECT cadence._selftest_boundary('ok') AS after_savepoint_rollback;
COMMIT;

-- Many errors in a row leak nothing and leave the session healthy.
SELECT count(*) FILTER (WHERE e.code = '22023') AS core_errors,
       count(*) FILTER (WHERE e.code = '22P02') AS pg_errors
FROM generate_series(1, 200) AS i,
     LATERAL error_of(format('SELECT cadence._selftest_boundary(%L)',
                                     CASE WHEN i % 2 = 0 THEN 'core' ELSE 'pg' END)) AS e;
SELECT cadence._selftest_live_objects() AS live_after_200_errors;
SELECT cadence.version() = (SELECT extversion FROM pg_extension WHERE extname = 'pg_cadence')
    AS session_still_usable;

-- The self-tests are for superusers only.
CREATE ROLE cadence_regress_nobody;
SET ROLE cadence_regress_nobody;
SELECT cadence._selftest_boundary('ok');
RESET ROLE;
DROP ROLE cadence_regress_nobody;
