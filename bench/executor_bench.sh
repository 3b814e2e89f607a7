#!/usr/bin/env bash
# Executors, on a throwaway cluster (fsync and synchronous_commit on), for each
# cadence.max_executors in EXECUTORS:
#  - due-to-start latency: PACED one-shot SQL jobs due 20 ms apart (no queueing):
#    the time from a run's due time to its running event, p50, p99, max;
#  - throughput: BURST trivial SQL jobs (SELECT 1) all due at the same moment: runs
#    per second from the due time to the last completed run;
#  - CPU of the whole cluster (postmaster and every process under it) per 1,000
#    runs of the burst, from /proc/<pid>/stat.
#
# Usage: bench/executor_bench.sh [EXECUTORS] [BURST] [PACED]
#   (default "1 4 8" 5000 500)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
EXECUTORS=${1:-"1 4 8"}
BURST=${2:-5000}
PACED=${3:-500}
PSQL="$PG_BINDIR/psql -X -q -At -v ON_ERROR_STOP=1"
TICKS=$(getconf CLK_TCK)

# CPU seconds (user + system) of the postmaster and all its children, now.
cluster_cpu() {
    local postmaster pids total=0 pid fields
    postmaster=$(head -1 "$PGDATA_DIR/postmaster.pid")
    pids="$postmaster $(ps -o pid= --ppid "$postmaster" | tr '\n' ' ')"
    for pid in $pids; do
        # Fields 14 and 15 (utime, stime) follow the ')' that ends the command name.
        fields=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        total=$(( total + $(echo "$fields" | awk '{print $12 + $13}') ))
    done
    echo "$total"
}

# Waits until every job of name prefix $1 has ended; gives up after $2 seconds.
wait_ended() {
    for _ in $(seq 1 $(( $2 * 10 ))); do
        [ "$($PSQL -c "SELECT count(*) FROM cadence.jobs_status s JOIN cadence.jobs j ON j.id = s.job_id
                       WHERE j.name LIKE '$1%' AND s.status NOT IN ('completed', 'error', 'fatal')")" = 0 ] && return
        sleep 0.1
    done
    die "runs of '$1' did not end within $2 s"
}

started=0
printf '%-10s %10s %10s %10s %12s %14s\n' executors 'p50 ms' 'p99 ms' 'max ms' 'runs/s' 'CPU ms/1000'
for n in $EXECUTORS; do
    if [ "$started" = 0 ]; then
        start_benchmark_cluster "max_worker_processes = 32
cadence.max_executors = $n"
        started=1
    else
        stop_cluster
        sed -i "s/^cadence.max_executors = .*/cadence.max_executors = $n/" "$PGDATA_DIR/postgresql.conf"
        as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$WORK_DIR/postgres.log" -w start >/dev/null
        CLUSTER_STARTED=1
    fi
    $PSQL -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_cadence"
    $PSQL -c "SELECT cadence.delete_job(id) FROM cadence.jobs" >/dev/null
    for _ in $(seq 1 100); do
        [ "$($PSQL -c "SELECT count(*) FROM cadence.executors WHERE state = 'idle'")" = "$n" ] && break
        sleep 0.1
    done

    # Latency: runs due 20 ms apart, starting 2 s from now.
    $PSQL -c "SELECT count(cadence.create_job('paced ' || i,
                  cadence.once(now() + interval '2 seconds' + i * interval '20 milliseconds'),
                  sql => 'SELECT 1')) FROM generate_series(1, $PACED) i" >/dev/null
    wait_ended paced $(( PACED / 50 + 30 ))
    read -r p50 p99 max < <($PSQL -F ' ' -c "
        WITH lat AS (
            SELECT extract(epoch FROM r.at - (d.details ->> 'run_at')::timestamptz) * 1000 AS ms
            FROM cadence.job_events r
            JOIN cadence.jobs j ON j.id = r.job_id AND j.name LIKE 'paced%'
            JOIN LATERAL (SELECT details FROM cadence.job_events d
                          WHERE d.job_id = r.job_id AND d.id < r.id AND d.event = 'scheduled'
                          ORDER BY d.id DESC LIMIT 1) d ON true
            WHERE r.event = 'running')
        SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(max(ms)::numeric, 2) FROM lat")

    # Throughput and CPU: a burst due all at once, 3 s from now.
    due=$($PSQL -c "SELECT now() + interval '3 seconds'")
    $PSQL -c "SELECT count(cadence.create_job('burst ' || i, cadence.once('$due'), sql => 'SELECT 1'))
              FROM generate_series(1, $BURST) i" >/dev/null
    cpu_before=$(cluster_cpu)
    wait_ended burst $(( BURST / 20 + 60 ))
    cpu_after=$(cluster_cpu)
    rate=$($PSQL -c "SELECT round($BURST / extract(epoch FROM max(e.at) - '$due'::timestamptz))
                     FROM cadence.job_events e JOIN cadence.jobs j ON j.id = e.job_id
                     WHERE j.name LIKE 'burst%' AND e.event = 'completed'")
    cpu_ms=$(( (cpu_after - cpu_before) * 1000 * 1000 / TICKS / BURST ))
    printf '%-10s %10s %10s %10s %12s %14s\n' "$n" "$p50" "$p99" "$max" "$rate" "$cpu_ms"
done
echo "(latency: $PACED runs due 20 ms apart; throughput and CPU: $BURST runs of SELECT 1 due at once;"
echo " CPU counts every process of the cluster while the burst ran, per 1,000 runs)"
