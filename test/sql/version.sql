-- The library and the installed SQL agree on the version, and the launcher
-- (preloaded by the test cluster) is visible.
SELECT cadence.version() = extversion AS version_matches
FROM pg_extension WHERE extname = 'pg_cadence';
SELECT cadence.version() ~ '^\d+\.\d+\.\d+$' AS version_is_semver;

-- The test cluster serves only 'postgres' (cadence.database_name): this database
-- has no scheduler, which the view shows as a row of nulls; the launcher runs.
SELECT count(*) = 1 AS one_scheduler_row,
       bool_and(pid IS NULL) AS no_scheduler_here
FROM cadence.scheduler;
SELECT count(*) AS launchers
FROM pg_stat_activity WHERE backend_type = 'pg_cadence launcher' AND datname IS NULL;

SHOW cadence.database_name;
-- The prefix is reserved: a misspelt setting is an error, not a silent placeholder.
SET cadence.databse_name = 'x';
