#!/usr/bin/env bash
# The scheduler at scale, on a throwaway cluster (fsync and synchronous_commit on):
#  - fire lateness (event time minus its tick) with N periodic jobs whose ticks are
#    spread over a period: p50, p99, max;
#  - boot recovery time and worker memory with N jobs;
#  - sustained fires per second (N jobs due at the same tick);
#  - idle: worker CPU and wake-ups per minute with 1,000,000 jobs, none due;
#  - a job change at 1,000,000 jobs: delay until it is applied (it fires) and the
#    worker's CPU per change.
# Jobs are bulk-loaded into the tables (as a restore would), then the cluster is
# restarted so that the scheduler loads them.
#
# Usage: bench/scheduler_bench.sh [PERIOD_SECONDS] [SIZES] [WINDOW_SECONDS]
#   (default 60 "1000 10000 100000 1000000" PERIOD: fire lateness is read after
#   WINDOW seconds of ticks, so a long period can be sampled)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
PERIOD=${1:-60}
SIZES=${2:-"1000 10000 100000 1000000"}
WINDOW=${3:-$PERIOD}

source "$(dirname "${BASH_SOURCE[0]}")/scheduler_common.sh"
start_scheduler_cluster
$PSQL -c "CREATE EXTENSION pg_cadence"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { awk '/ctxt_switches/ {s += $2} END {print s}' "/proc/$1/status"; }

echo "pg_cadence scheduler benchmark: $(nproc) cores, period ${PERIOD} s"
printf '%-9s %-11s %-12s %-22s %s\n' "jobs" "load (ms)" "worker anon" "fire lateness p50/p99/max (ms)" "fires"
for n in $SIZES; do
    load "$n" "jsonb_build_object('kind', 'interval', 'period_seconds', $PERIOD, 'anchor',
               to_char((t0 + ($PERIOD * (i - 1)::float8 / $n) * interval '1 second') AT TIME ZONE 'UTC',
                       'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
    restart
    load_ms=$($PSQL -c "SELECT round(load_ms::numeric, 1) FROM cadence.scheduler")
    pid=$(worker_pid)
    rss=$(awk '/RssAnon/ {print int($2 / 1024) " MB"}' "/proc/$pid/status")
    sleep $(( WINDOW + 40 ))
    stats=$($PSQL -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' / ' ||
                             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' / ' ||
                             round(max(ms)::numeric, 2), count(*)
                      FROM (SELECT extract(epoch FROM at - fire_time) * 1000 AS ms FROM cadence.job_events
                            WHERE details ->> 'reason' = 'fire'
                              AND fire_time > (SELECT started_at FROM cadence.scheduler)) l")
    printf '%-9s %-11s %-12s %-22s %s\n' "$n" "$load_ms" "$rss" "${stats%|*}" "${stats#*|}"
    echo "  resynchronisations while firing: $($PSQL -c 'SELECT resyncs FROM cadence.scheduler')"
done

[ "${SKIP_REST:-0}" = 1 ] && exit 0

# Sustained fires per second: every job due at the same tick.
n=20000
load "$n" "jsonb_build_object('kind', 'interval', 'period_seconds', 3600, 'anchor',
           to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
restart
sleep 45
echo "sustained: $($PSQL -c "SELECT count(*) || ' fires in ' || round(extract(epoch FROM max(at) - min(fire_time))::numeric, 4)
      || ' s = ' || round(count(*) / extract(epoch FROM max(at) - min(fire_time))::numeric) || ' fires/s'
      FROM cadence.job_events WHERE details ->> 'reason' = 'fire'")"

# Idle with 1,000,000 jobs, none due: CPU and wake-ups over a minute.
load 1000000 "jsonb_build_object('kind', 'cron', 'expr', '0 0 1 1 *', 'timezone', 'UTC')"
restart
pid=$(worker_pid)
sleep 2
c0=$(cpu_ticks "$pid"); s0=$(switches "$pid")
sleep 60
c1=$(cpu_ticks "$pid"); s1=$(switches "$pid")
echo "idle, 1000000 jobs: $(( s1 - s0 )) wake-ups and $(( (c1 - c0) * 10 )) ms CPU in 60 s; load $($PSQL -c 'SELECT round(load_ms::numeric) FROM cadence.scheduler') ms, worker anonymous memory $(awk '/RssAnon/ {print int($2 / 1024) " MB"}' /proc/$pid/status)"

# A job change at 1,000,000 jobs: re-deploy 200 jobs, one at a time, with a trigger
# whose tick has passed, so that each fires as soon as the change is applied.
c0=$(cpu_ticks "$pid")
first=$($PSQL -c "SELECT min(id) FROM cadence.jobs")
for i in $(seq 1 200); do
    $PSQL -c "SELECT cadence.alter_job($(( first + i * 4999 )), trigger => cadence.every('1 hour', now() - interval '1 minute'))" >/dev/null
done
sleep 1
c1=$(cpu_ticks "$pid")
echo "job change at 1000000 jobs: $($PSQL -c "SELECT 'applied (fired) p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2)
      || ' ms, p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ms'
      FROM (SELECT extract(epoch FROM f.at - a.at) * 1000 AS ms
            FROM cadence.job_events a JOIN cadence.job_events f
              ON f.job_id = a.job_id AND f.details ->> 'reason' = 'fire' AND f.id > a.id
            WHERE a.event = 'altered') d"); worker CPU $(( (c1 - c0) * 10 * 1000 / 200 )) us per change (incl. its fire)"
