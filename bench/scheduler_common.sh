# Shared by the scheduler benchmarks (sourced after scripts/lib/common.sh).

# start_scheduler_cluster [SETTINGS]: a throwaway cluster sized for a million
# timers (and SETTINGS, postgresql.conf lines), and PSQL to reach it.
start_scheduler_cluster() {
    start_benchmark_cluster "shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
${1:-}"
    PSQL="$PG_BINDIR/psql -X -q -At -v ON_ERROR_STOP=1"
}

restart() {
    as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$WORK_DIR/postgres.log" -w start >/dev/null
    for _ in $(seq 1 600); do
        [ -n "$($PSQL -c 'SELECT load_ms FROM cadence.scheduler')" ] && return
        sleep 0.1
    done
    die "the scheduler did not load its timers"
}

# load N TRIGGER_SQL: N canceled (ended) jobs, so that each waits for its next tick.
# TRIGGER_SQL may use i (1..N) and t0 (40 s ahead: after the load and the restart;
# LOAD_T0, a SQL expression, sets it otherwise).
load() {
    $PSQL -c "TRUNCATE cadence.jobs CASCADE" 2>/dev/null || true
    $PSQL <<SQL
SET session_replication_role = replica;  -- skip the append-only trigger: a bulk load
DELETE FROM cadence.job_events;
DELETE FROM cadence.jobs;
RESET session_replication_role;
WITH params AS (SELECT ${LOAD_T0:-now() + interval '40 seconds'} AS t0),  -- after the load and restart
jobs AS (
    INSERT INTO cadence.jobs (name, queue, kind, trigger, max_attempts, backoff, owner, created_at)
    SELECT 'bench ' || i, 'bench', 'external', $2, 3, '10 s', 'postgres', now()
    FROM params, generate_series(1, $1) i
    RETURNING id, trigger, created_at
), events AS (
    INSERT INTO cadence.job_events (job_id, event, status, attempt, owner, details, queue)
    SELECT id, 'canceled', 'canceled', 1, 'postgres', '{"reason": "bench"}', 'bench' FROM jobs
    RETURNING id, job_id
)
INSERT INTO cadence.jobs_status (job_id, status, attempt, queue, kind, owner, paused, fire_base,
                                 timer_at, timer_kind, event_id, status_event_id, changed_at)
SELECT j.id, 'canceled', 1, 'bench', 'external', 'postgres', false, j.created_at,
       t.timer_at, t.timer_kind, e.id, e.id, now()
FROM jobs j JOIN events e ON e.job_id = j.id,
     cadence._timer('canceled', false, 'external', j.trigger, j.created_at, NULL, NULL, j.created_at) t;
SQL
    $PSQL -c "VACUUM ANALYZE cadence.jobs, cadence.jobs_status, cadence.job_events"
}

worker_pid() { $PSQL -c "SELECT pid FROM cadence.scheduler"; }
