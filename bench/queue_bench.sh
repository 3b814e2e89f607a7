#!/usr/bin/env bash
# pg_cadence's external-worker hot path against graphile-worker, on one throwaway
# cluster with fsync and synchronous_commit on, in one run, with node-postgres as
# every system's client (bench/node/queue_bench.mjs does the work):
#
#   1 pg_cadence, 4 workers: claim(queue, w, 1) + complete(id, w) per job
#  1b pg_cadence, 4 workers: complete_and_claim(ARRAY[last id], w, queue, 1): one call per job
#   2 pg_cadence, 4 workers: claim(queue, w, 10) + complete_batch(ids[], w)  (0.2.0 API)
#   3 pg_cadence, 4 workers: complete_and_claim(ids[], w, queue, 10)      (0.2.0 API)
#   4 graphile-worker, concurrency 4, its defaults
#   5 graphile-worker, concurrency 4, localQueue {size: 10}, completion batching
#
# JOBS jobs per run, made before the clock starts; jobs/s, p50/p99 of each SQL
# round trip and of each job's claim-to-committed-completion; the ratios (1)/(4),
# (2)/(5), (3)/(5); bulk creation (create_job from one statement, create_jobs when
# it exists). Modes whose functions this version lacks print "skipped: not in
# this version". After each pg_cadence run: cadence.verify() is empty, nothing is
# left running or scheduled, and a LISTEN client got one 'running' and one
# 'completed' message per job; a broken rule makes the exit status 1.
#
# Usage: bench/queue_bench.sh [JOBS]          (default 20000; run as root or with sudo)
# Environment: ROUNDS (default 1) runs the five modes that many times, interleaved,
#   and the table shows each mode's median; GW_BATCH_DELAY (default 0) is mode 5's
#   completeJobBatchDelay and failJobBatchDelay in ms; PG_CONFIG and BUILD_DIR as in
#   scripts/lib/common.sh (e.g. a private PostgreSQL copy and build directory).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
JOBS=${1:-20000}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer, not '$JOBS'"
NODE_DIR=$CADENCE_ROOT/bench/node

start_benchmark_cluster "shared_buffers = 512MB
max_connections = 60
max_wal_size = 4GB
checkpoint_timeout = 30min"

say "node: npm ci in $NODE_DIR (graphile-worker, pg)"
(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$LOG_DIR/npm.log" 2>&1) ||
    { tail -n 40 "$LOG_DIR/npm.log" >&2; die "npm ci failed"; }

"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_cadence"
wait_for_scheduler >/dev/null || die "the pg_cadence scheduler did not start"

echo "queue benchmark: $(nproc) cores, PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}'), node $(node --version)"
# TCP on 127.0.0.1 for every client, graphile-worker's and pg_cadence's alike.
BENCH_PGHOST=127.0.0.1 BENCH_PGPORT=$PGPORT BENCH_PGUSER=postgres BENCH_PGDATABASE=postgres \
    JOBS=$JOBS ROUNDS=${ROUNDS:-1} GW_BATCH_DELAY=${GW_BATCH_DELAY:-0} NO_LOG_SUCCESS=1 \
    node "$NODE_DIR/queue_bench.mjs"
