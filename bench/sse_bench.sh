#!/usr/bin/env bash
# `cadence serve` under SSE load, on a throwaway cluster (fsync and synchronous_commit
# on): with 1, 100 and 1,000 concurrent streams on /api/v1/events (STREAMS), the time
# from a committed status event to each client receiving it (p50, p99, max), the
# gateway's memory per stream and its CPU while EVENTS events are committed at RATE
# per second. The clients are one epoll loop (bench/sse_latency.cpp) on the same machine.
#
# Usage: bench/sse_bench.sh [STREAMS] [EVENTS] [RATE]   (default "1 100 1000" 200 20)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
STREAMS=${1:-"1 100 1000"}
EVENTS=${2:-200}
RATE=${3:-20}

ulimit -n 65536 2>/dev/null || true  # the gateway and the clients hold a socket per stream
start_benchmark_cluster ""
"$PG_BINDIR/psql" -X -q -c "CREATE EXTENSION pg_cadence"
start_gateway
port=$GATEWAY_PORT
gateway=$GATEWAY_PID
printf '%-8s %9s %9s %9s %15s %16s %14s %26s\n' streams 'p50 ms' 'p99 ms' 'max ms' received 'KiB per stream' \
    'gateway CPU %' 'from commit p50/p99/max'
for n in $STREAMS; do
    read -r streams p50 p99 max received kib cpu cp50 cp99 cmax < <("$BUILD_DIR/cadence_sse_bench" 127.0.0.1 "$port" \
        "$gateway" "$n" "$EVENTS" "$RATE" "host=$WORK_DIR port=$PGPORT user=postgres dbname=postgres")
    printf '%-8s %9s %9s %9s %15s %16s %14s %26s\n' "$streams" "$p50" "$p99" "$max" "$received" "$kib" \
        "$(awk "BEGIN { printf \"%.1f\", $cpu / 10 }")" "$cp50 / $cp99 / $cmax"
    "$PG_BINDIR/psql" -X -q -c "SELECT count(cadence.delete_job(id)) FROM cadence.jobs" >/dev/null
done
echo "($EVENTS events at $RATE per second, each delivered to every stream; latency from the event's"
echo " timestamp inside the committing transaction to its arrival at the client, and from the return"
echo " of the commit that wrote it to its arrival)"
