#!/usr/bin/env bash
# The scheduler with a large map and a large backlog, on a throwaway cluster (fsync
# and synchronous_commit on):
#  - the worker's anonymous memory while it loads N timers: before, peak (sampled
#    every 5 ms) and after the load;
#  - a fast shutdown while N jobs due at the same tick are being fired: how long
#    the scheduler takes to exit once told, and how many fires it had made.
#
# Usage: bench/scheduler_backlog.sh [N]   (default 1000000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
N=${1:-1000000}

source "$(dirname "${BASH_SOURCE[0]}")/scheduler_common.sh"
start_scheduler_cluster
$PSQL -c "CREATE EXTENSION pg_cadence"

anon_kb() { awk '/RssAnon/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
now_ms() { date +%s%3N; }

# Every job due at the same tick, t0 (40 s after the load began), hourly after.
load "$N" "jsonb_build_object('kind', 'interval', 'period_seconds', 3600, 'anchor',
           to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
t0=$($PSQL -c "SELECT extract(epoch FROM min(s.timer_at))::bigint FROM cadence.jobs_status s")

# Load: sample the new worker's memory from its start until its map is loaded.
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
offset=$(stat -c %s "$WORK_DIR/postgres.log")
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$WORK_DIR/postgres.log" -w start >/dev/null
pid=$(wait_for_scheduler) || die "the scheduler did not start"
before=$(anon_kb "$pid")
peak=$before
until tail -c +"$((offset + 1))" "$WORK_DIR/postgres.log" | grep -q "pg_cadence scheduler loaded"; do
    kb=$(anon_kb "$pid")
    [ "$kb" -gt "$peak" ] && peak=$kb
    sleep 0.005
done
sleep 1
after=$(anon_kb "$pid")
echo "pg_cadence scheduler with $N timers: $(nproc) cores"
echo "load: $($PSQL -c 'SELECT round(load_ms::numeric) FROM cadence.scheduler') ms; worker anonymous memory" \
     "$((before / 1024)) MB before, $((peak / 1024)) MB at peak, $((after / 1024)) MB after"

# Backlog: 3 s into the fires of the tick, a fast shutdown.
while [ "$(date +%s)" -lt $((t0 + 3)) ]; do sleep 0.1; done
fires=$($PSQL -c "SELECT fires FROM cadence.scheduler")
told=$(now_ms)
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast stop -W >/dev/null
while kill -0 "$pid" 2>/dev/null; do sleep 0.001; done
gone=$(now_ms)
as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -w status >/dev/null 2>&1 &&
    for _ in $(seq 1 600); do
        as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1 || break
        sleep 0.1
    done
echo "fast shutdown during the backlog (about $fires of $N fired): the scheduler exited $((gone - told)) ms" \
     "after it was told"
