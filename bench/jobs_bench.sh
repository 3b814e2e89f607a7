#!/usr/bin/env bash
# Throughput and latency of the job API with pgbench, on a throwaway cluster with
# fsync and synchronous_commit on: create, claim+complete (one job, or ten per
# claim), and the full cycle, at several client counts, with status publication
# on and off, and commit-to-LISTEN latency with a LISTEN client attached.
# Prints p50/p99 per transaction (each script line is its own transaction).
#
# Usage: bench/jobs_bench.sh [SECONDS_PER_RUN]    (default 5; run as root or with sudo)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
SECS=${1:-5}

start_benchmark_cluster "shared_buffers = 512MB
max_connections = 60
max_wal_size = 4GB
checkpoint_timeout = 30min"
PGBENCH="$PG_BINDIR/pgbench"
PSQL="$PG_BINDIR/psql -X -q -v ON_ERROR_STOP=1"
$PSQL -c "CREATE EXTENSION pg_cadence"
S=$WORK_DIR/scripts
mkdir -p "$S"

cat >"$S/create.sql" <<'SQL'
SELECT cadence.create_job('bench', '{"kind": "once", "at": "2026-01-01T00:00:00Z"}', queue => 'bench');
SQL
cat >"$S/claim_complete.sql" <<'SQL'
SELECT coalesce((SELECT job_id FROM cadence.claim('bench', 'w' || :client_id)), 0) AS job_id \gset
\if :job_id > 0
SELECT cadence.complete(:job_id, 'w' || :client_id);
\endif
SQL
cat >"$S/claim_complete_10.sql" <<'SQL'
SELECT quote_literal(coalesce((SELECT array_agg(job_id) FROM cadence.claim('bench', 'w' || :client_id, 10)), '{}')) AS ids \gset
SELECT count(cadence.complete(id, 'w' || :client_id)) FROM unnest(:ids::bigint[]) id;
SQL
cat >"$S/full_cycle.sql" <<'SQL'
SELECT cadence.create_job('cycle', '{"kind": "once", "at": "2026-01-01T00:00:00Z"}', queue => 'cycle' || :client_id) AS id \gset
SELECT count(*) FROM cadence.claim('cycle' || :client_id, 'w' || :client_id);
SELECT cadence.complete(:id, 'w' || :client_id);
SQL

# Keeps at least $1 due jobs in queue 'bench' (created with publication off).
ensure_pool() {
    local have need
    have=$($PSQL -Atc "SELECT count(*) FROM cadence.jobs_status WHERE queue = 'bench' AND status = 'scheduled'")
    need=$(( $1 - have ))
    if [ "$need" -gt 0 ]; then
        PGOPTIONS="-c cadence.publish_status=off" "$PGBENCH" -n -c 4 -j 2 -t $(( need / 4 + 1 )) \
            -f "$S/create.sql" >/dev/null 2>&1
    fi
}

# run NAME CLIENTS SCRIPT JOBS_PER_SCRIPT PUBLISH
run() {
    local name=$1 clients=$2 script=$3 per=$4 publish=$5 logdir out tps
    logdir=$WORK_DIR/log.$RANDOM
    mkdir -p "$logdir"
    out=$(cd "$logdir" && PGOPTIONS="-c cadence.publish_status=$publish" "$PGBENCH" -n -r \
        -c "$clients" -j "$(( clients < 2 ? clients : 2 ))" -T "$SECS" -f "$script" -l 2>&1) ||
        { echo "$out" >&2; die "pgbench failed"; }
    tps=$(sed -nE 's/^tps = ([0-9.]+) .*without initial.*/\1/p' <<<"$out")
    # Per-statement latencies (-r) are averages; per-script latencies come from the log.
    read -r p50 p99 < <(cat "$logdir"/pgbench_log.* | awk '{print $3}' | sort -n |
        awk '{v[NR]=$1} END {printf "%.2f %.2f\n", v[int(NR*0.5)+1]/1000, v[int(NR*0.99)+1]/1000}')
    printf '%-26s %3d clients  publish %-3s  %9.0f jobs/s  script p50 %6.2f ms  p99 %6.2f ms\n' \
        "$name" "$clients" "$publish" "$(awk -v t="$tps" -v p="$per" 'BEGIN{print t*p}')" "$p50" "$p99"
    rm -rf "$logdir"
}

echo "pg_cadence job API benchmark: $SECS s per run, $(nproc) cores, PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}')"
for publish in on off; do
    for c in 1 4 8 16; do run create "$c" "$S/create.sql" 1 "$publish"; done
done
for publish in on off; do
    for c in 1 4 16; do
        ensure_pool 40000
        run "claim+complete" "$c" "$S/claim_complete.sql" 1 "$publish"
    done
done
for c in 1 4 16; do
    ensure_pool 120000
    run "claim+complete x10" "$c" "$S/claim_complete_10.sql" 10 on
done
for publish in on off; do
    for c in 1 4 8 16; do run "full cycle" "$c" "$S/full_cycle.sql" 1 "$publish"; done
done

# With a LISTEN client attached: how long from an event's time to its arrival.
"$BUILD_DIR/cadence_listen_bench" --dsn "host=$PGHOST port=$PGPORT dbname=postgres user=postgres" \
    --seconds $(( SECS + 3 )) >"$WORK_DIR/listen.out" &
listener=$!
sleep 1
for c in 4; do run "full cycle + LISTEN" "$c" "$S/full_cycle.sql" 1 on; done
wait "$listener"
echo "LISTEN client (event time to arrival): $(tail -n 1 "$WORK_DIR/listen.out")"
