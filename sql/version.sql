-- The library and the installed SQL agree on the version, and the scheduler
-- (preloaded by the test cluster) is visible.
SELECT cadence.version() = extversion AS version_matches
FROM pg_extension WHERE extname = 'pg_cadence';
SELECT cadence.version() ~ '^\d+\.\d+\.\d+$' AS version_is_semver;

SELECT count(*) = 1 AS one_scheduler_row,
       bool_and(pid IS NOT NULL) AS scheduler_running,
       bool_and(database = 'postgres') AS serves_postgres
FROM cadence.scheduler;
SELECT s.pid = a.pid AS pid_matches_pg_stat_activity
FROM cadence.scheduler s JOIN pg_stat_activity a ON a.backend_type = 'pg_cadence scheduler';

SHOW cadence.database_name;
-- The prefix is reserved: a misspelt setting is an error, not a silent placeholder.
SET cadence.databse_name = 'x';
