-- Self-tests of the C++/PostgreSQL error boundary (used by the test suites).
CREATE OR REPLACE FUNCTION cadence._selftest_boundary(mode text) RETURNS text
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_selftest_boundary';
CREATE OR REPLACE FUNCTION cadence._selftest_live_objects() RETURNS int
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_selftest_live_objects';
CREATE OR REPLACE FUNCTION cadence._selftest_lock_through_guard(rel regclass) RETURNS int
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'cadence_selftest_lock_through_guard';
REVOKE ALL ON FUNCTION cadence._selftest_boundary(text), cadence._selftest_live_objects(),
    cadence._selftest_lock_through_guard(regclass) FROM PUBLIC;
