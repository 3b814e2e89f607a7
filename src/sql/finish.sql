-- Last of the install and update scripts.

-- Wakes the scheduler when this transaction commits, so that it takes up the new
-- (or updated) extension at once.
CREATE OR REPLACE FUNCTION cadence._wake_workers_at_commit() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cadence_wake_workers_at_commit';
REVOKE ALL ON FUNCTION cadence._wake_workers_at_commit() FROM PUBLIC;
SELECT cadence._wake_workers_at_commit();
