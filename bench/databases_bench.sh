#!/usr/bin/env bash
# Many databases served by one cluster, on a throwaway cluster (fsync and
# synchronous_commit on):
#  - DBS databases with JOBS periodic jobs each (every PERIOD seconds, ticks spread
#    over the period: DBS * JOBS / PERIOD fires per second all databases together);
#  - pg_cadence processes and their wake-ups over 10 s while nothing is due;
#  - fire lateness (event time minus its tick) across all databases: p50, p99, max;
#  - time from CREATE EXTENSION (with a SQL job due at once) in a new database to
#    that job's run starting: the launcher, the scheduler and an executor starting.
#
# Usage: bench/databases_bench.sh [DBS] [JOBS] [PERIOD]   (default 50 1000 10)
#        SYNCHRONOUS_COMMIT=off bench/databases_bench.sh   to see what commits' WAL
#        flushes cost the fires (the figures of record keep it on)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
DBS=${1:-50}
JOBS=${2:-1000}
PERIOD=${3:-10}
LEAD=90  # seconds from the load to the first tick: the load, a restart, the idle sample

start_benchmark_cluster "shared_buffers = 1GB
max_wal_size = 8GB
cadence.database_name = ''
cadence.max_databases = $((DBS + 8))
max_worker_processes = $((DBS + 16))
max_connections = $((DBS + 50))
${SYNCHRONOUS_COMMIT:+synchronous_commit = $SYNCHRONOUS_COMMIT}"
PSQL="$PG_BINDIR/psql -X -q -At -v ON_ERROR_STOP=1"
BASE_PSQL=$PSQL
source "$(dirname "${BASH_SOURCE[0]}")/scheduler_common.sh"

t0=$($PSQL -c "SELECT extract(epoch FROM now())::bigint + $LEAD")
for d in $(seq 1 "$DBS"); do
    $PSQL -c "CREATE DATABASE bench$d"
    $PSQL -d "bench$d" -c "CREATE EXTENSION pg_cadence"
    # Canceled periodic jobs, written as a restore would: each fires once at its tick.
    PSQL="$BASE_PSQL -d bench$d" LOAD_T0="to_timestamp($t0)" load "$JOBS" \
        "jsonb_build_object('kind', 'interval', 'period_seconds', $PERIOD, 'anchor',
             to_char((t0 + ($PERIOD * (i - 1)::float8 / $JOBS) * interval '1 second') AT TIME ZONE 'UTC',
                     'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))" >/dev/null
done
# A restart: every scheduler loads the jobs written behind its back.
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$WORK_DIR/postgres.log" -w start >/dev/null
for _ in $(seq 1 600); do
    [ "$($PSQL -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cadence scheduler'")" = "$DBS" ] && break
    sleep 0.1
done
echo "pg_cadence with $DBS databases of $JOBS periodic jobs (every $PERIOD s): $(nproc) cores," \
     "synchronous_commit $($PSQL -c 'SHOW synchronous_commit')"
left=$((t0 - $(date +%s)))
[ "$left" -gt 20 ] || die "the load took too long: only $left s before the first tick"
echo "first tick in $left s (at $(date -u -d "@$t0" +%T) UTC)"

sleep 3
pids=$($PSQL -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type LIKE 'pg_cadence%'")
count=$(wc -w <<<"$pids")
switches() { for p in $pids; do awk '/ctxt_switches/ {s += $2} END {print s}' "/proc/$p/status"; done | paste -sd+ | bc; }
s0=$(switches)
sleep 10
s1=$(switches)
echo "idle: $count pg_cadence processes ($($PSQL -c "SELECT string_agg(n || ' ' || t, ', ') FROM (SELECT backend_type AS t, count(*) AS n FROM pg_stat_activity WHERE backend_type LIKE 'pg_cadence%' GROUP BY 1) c")), $((s1 - s0)) wake-ups in 10 s"

# Every job fires once within a period of its first tick.
while [ "$(date +%s)" -lt $((t0 + PERIOD + 10)) ]; do sleep 1; done
for d in $(seq 1 "$DBS"); do
    $PSQL -d "bench$d" -c "SELECT extract(epoch FROM at - fire_time) * 1000 FROM cadence.job_events
                           WHERE details ->> 'reason' = 'fire'"
done | sort -n >"$WORK_DIR/lateness"
n=$(wc -l <"$WORK_DIR/lateness")
pct() { awk -v p="$1" -v n="$n" 'NR == int((n - 1) * p) + 1 {printf "%.2f", $1}' "$WORK_DIR/lateness"; }
echo "fire lateness over $n fires ($((DBS * JOBS / PERIOD)) per second): p50 $(pct 0.5) ms, p99 $(pct 0.99) ms, max $(tail -1 "$WORK_DIR/lateness" | awk '{printf "%.2f", $1}') ms"

# A new database: CREATE EXTENSION with a SQL job due at once, to its run starting.
for i in 1 2 3 4 5; do
    $PSQL -c "CREATE DATABASE fresh$i"
    start=$($PSQL -d "fresh$i" -c "SELECT extract(epoch FROM clock_timestamp())")
    $PSQL -d "fresh$i" -c "CREATE EXTENSION pg_cadence; SELECT cadence.create_job('first', cadence.once(), sql => 'SELECT 1')" >/dev/null
    for _ in $(seq 1 200); do
        ran=$($PSQL -d "fresh$i" -c "SELECT extract(epoch FROM at) FROM cadence.job_events WHERE event = 'running'")
        [ -n "$ran" ] && break
        sleep 0.05
    done
    awk -v a="$start" -v b="$ran" 'BEGIN {printf "%.0f\n", (b - a) * 1000}'
done | sort -n >"$WORK_DIR/first"
echo "CREATE EXTENSION to the first run starting, 5 new databases: $(paste -sd' ' "$WORK_DIR/first") ms"
