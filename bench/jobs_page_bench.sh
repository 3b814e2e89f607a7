#!/usr/bin/env bash
# The queries of the jobs page and the REST API at scale: JOBS jobs (default
# 1,000,000) with EVENTS_PER_JOB events each (default 10: 10,000,000 events),
# written straight into the tables on a throwaway cluster (statuses spread as on a
# busy system: 70 % completed, 20 % scheduled, 3 % error, 3 % canceled, 2 % running,
# 2 % fatal; 20 queues, queue_0 to queue_19). Each query runs ROUNDS times (default 200) through pgbench
# with bound parameters, as cadence serve sends them; prints p50 and p99 in ms.
#
# Usage: bench/jobs_page_bench.sh [JOBS] [EVENTS_PER_JOB]   (run as root or with sudo)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
JOBS=${1:-1000000}
EVENTS_PER_JOB=${2:-10}
ROUNDS=${ROUNDS:-200}

start_benchmark_cluster "shared_buffers = 2GB
max_wal_size = 16GB
checkpoint_timeout = 30min
maintenance_work_mem = 1GB"
PSQL="$PG_BINDIR/psql -X -q -At -v ON_ERROR_STOP=1"
$PSQL -c "CREATE EXTENSION pg_cadence"

say "loading $JOBS jobs and $((JOBS * EVENTS_PER_JOB)) events"
started=$(date +%s)
$PSQL <<SQL
ALTER TABLE cadence.job_events DISABLE TRIGGER append_only;
INSERT INTO cadence.jobs (id, name, queue, kind, payload, trigger, max_attempts, backoff, owner, created_at)
SELECT i, 'job ' || i, 'queue_' || (i % 20), 'external', '{}', '{"kind": "once", "at": "2026-01-01T00:00:00Z"}',
       3, '1 minute', 'postgres', now() - interval '30 days'
FROM generate_series(1, $JOBS) i;
INSERT INTO cadence.job_events (id, job_id, event, status, attempt, at, owner, queue)
SELECT (i - 1) * $EVENTS_PER_JOB + k, i, 'scheduled', 'scheduled', 1,
       now() - interval '30 days' + (i * $EVENTS_PER_JOB + k) * interval '1 ms', 'postgres', 'queue_' || (i % 20)
FROM generate_series(1, $JOBS) i, generate_series(1, $EVENTS_PER_JOB) k;
INSERT INTO cadence.jobs_status (job_id, status, attempt, queue, kind, owner, paused, run_at, event_id,
                                 status_event_id, changed_at, worker, heartbeat_at)
SELECT i, CASE WHEN r < 70 THEN 'completed' WHEN r < 90 THEN 'scheduled' WHEN r < 93 THEN 'error'
               WHEN r < 96 THEN 'canceled' WHEN r < 98 THEN 'running' ELSE 'fatal' END,
       1, 'queue_' || (i % 20), 'external', 'postgres', false, now() + interval '1 day',
       i * $EVENTS_PER_JOB, i * $EVENTS_PER_JOB,
       now() - interval '30 days' + i * interval '2 seconds',
       CASE WHEN r BETWEEN 96 AND 97 THEN 'host-' || (i % 50) END, CASE WHEN r BETWEEN 96 AND 97 THEN now() END
FROM (SELECT i, (i::bigint * 7919) % 100 AS r FROM generate_series(1, $JOBS) i) s;
-- 50 workers that have handled runs of every queue.
INSERT INTO cadence.worker_activity
SELECT 'host-' || w, 'postgres', 'queue_' || q, now() - interval '30 days', now() - interval '1 minute', 1000, 10
FROM generate_series(0, 49) w, generate_series(0, 19) q;
INSERT INTO cadence.worker_activity_folded (below) VALUES ($JOBS * $EVENTS_PER_JOB + 1)
    ON CONFLICT (only_row) DO UPDATE SET below = excluded.below;
ALTER TABLE cadence.job_events ENABLE TRIGGER append_only;
SELECT setval('cadence.jobs_id_seq', $JOBS);
SELECT setval('cadence.job_events_id_seq', $JOBS * $EVENTS_PER_JOB);
INSERT INTO cadence.job_counts SELECT owner, queue, status, count(*) FROM cadence.jobs_status GROUP BY 1, 2, 3;
VACUUM ANALYZE;
SQL
echo "loaded in $(( $(date +%s) - started )) s"

# A cursor deep in the list: the 500,000th row's, or the middle one.
middle=$(( JOBS / 2 ))
cursor=$($PSQL -c "SELECT list_group || ' ' || (extract(epoch FROM changed_at) * 1000000)::bigint || ' ' || job_id
                   FROM cadence.recent_jobs OFFSET $middle LIMIT 1")
read -r c_group c_changed c_job <<<"$cursor"

# A day of last changes, 20 days back.
day_from=$($PSQL -c "SELECT to_char(now() - interval '20 days', 'YYYY-MM-DD\"T\"HH24:MI:SS')")
day_to=$($PSQL -c "SELECT to_char(now() - interval '19 days', 'YYYY-MM-DD\"T\"HH24:MI:SS')")

# The REST API's list queries (src/client/api_routes.cpp), parameters bound, and
# without JIT as cadence serve connects: one SELECT of the view; with a range of
# the last change, one branch per group of the list, merged (the range is bound
# as timestamps, as the API binds it).
list_where="(NULLIF(:status, '-')::text IS NULL OR (rj.status = NULLIF(:status, '-') AND rj.list_group = cadence._list_group(NULLIF(:status, '-'))))
  AND (NULLIF(:queue, '-')::text IS NULL OR rj.queue = NULLIF(:queue, '-'))
  AND (NULLIF(:after_group, -1)::int IS NULL OR (rj.list_group, rj.changed_at, rj.job_id) <
       (NULLIF(:after_group, -1), 'epoch'::timestamptz + :after_changed::bigint * interval '1 microsecond', :after_job::bigint))"
list_rows="SELECT rj.*, (SELECT s.event_id FROM cadence.jobs_status s WHERE s.job_id = rj.job_id) AS event_id
FROM cadence.recent_jobs rj"
list_sql="$list_rows WHERE $list_where LIMIT 50;"
branch() {
    echo "($list_rows WHERE rj.list_group = $1 AND (NULLIF(:after_group, -1)::int IS NULL OR NULLIF(:after_group, -1) >= $1)
  AND $list_where AND rj.changed_at >= :from::timestamptz AND rj.changed_at < :to::timestamptz LIMIT 50)"
}
range_sql="SELECT * FROM ($(branch 3) UNION ALL $(branch 2) UNION ALL $(branch 1) UNION ALL $(branch 0)) g
ORDER BY g.list_group DESC, g.changed_at DESC, g.job_id DESC LIMIT 50;"
export PGOPTIONS="-c jit=off"

scripts=$WORK_DIR/page_queries
mkdir -p "$scripts"
chmod 777 "$scripts"
query() {  # name, pgbench -D definitions (status, queue, cursor), SQL
    printf '%s\n' "$2" >"$scripts/$1.defs"
    printf '%s\n' "$3" >"$scripts/$1.sql"
}
none="-D status=- -D queue=- -D after_group=-1 -D after_changed=0 -D after_job=0"  # - for none
query first_page "$none" "$list_sql"
query deep_page "-D status=- -D queue=- -D after_group=$c_group -D after_changed=$c_changed -D after_job=$c_job" "$list_sql"
query status_fatal "${none/status=- /status=fatal }" "$list_sql"
query queue_7 "${none/queue=- /queue=queue_7 }" "$list_sql"
query queue_7_canceled "-D status=canceled -D queue=queue_7 -D after_group=-1 -D after_changed=0 -D after_job=0" "$list_sql"
query one_day "$none -D from=$day_from -D to=$day_to" "$range_sql"
query status_counts "" "SELECT * FROM cadence.status_counts;"
query one_job "" "\\set id random(1, $JOBS)
SELECT * FROM cadence.recent_jobs WHERE job_id = :id;"
query job_history "" "\\set id random(1, $JOBS)
SELECT event_id, event, status, attempt, at FROM cadence.job_history WHERE job_id = :id ORDER BY event_id DESC LIMIT 200;"
query count_by_scan "" "SELECT status, count(*) FROM cadence.jobs_status GROUP BY status;"
# The page reads the jobs that changed again 200 at a time (?ids=): 200 ids spread
# over all the jobs.
ids=$($PSQL -c "SELECT '{' || string_agg(((i::bigint * 4999) % $JOBS + 1)::text, ',') || '}' FROM generate_series(1, 200) i")
query ids_200 "$none -D ids=$ids" "$list_rows WHERE $list_where AND rj.job_id = ANY (:ids::bigint[]) LIMIT 200;"
query workers "" "SELECT * FROM cadence.workers;"

printf '%-20s %9s %9s   (%s rounds; %s jobs, %s events)\n' query 'p50 ms' 'p99 ms' "$ROUNDS" "$JOBS" \
    "$((JOBS * EVENTS_PER_JOB))"
for name in first_page deep_page status_fatal queue_7 queue_7_canceled one_day status_counts one_job job_history ids_200 \
    workers count_by_scan; do
    rounds=$ROUNDS
    [ "$name" = count_by_scan ] && rounds=10  # the old way, for comparison: a scan
    rm -f "$scripts"/pgbench_log.*
    # shellcheck disable=SC2046  # the definitions are words
    (cd "$scripts" && "$PG_BINDIR/pgbench" -n -M extended -c 1 -t "$rounds" $(cat "$scripts/$name.defs") \
        -f "$scripts/$name.sql" -l \
        --log-prefix="$scripts/pgbench_log" >/dev/null 2>"$scripts/$name.err") ||
        { cat "$scripts/$name.err" >&2; die "$name failed"; }
    sort -n -k3 "$scripts"/pgbench_log.* | awk -v name="$name" '{ lat[NR] = $3 }
        END { p50 = lat[int(NR * 0.50) + 1]; p99 = lat[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))];
              if (p99 == "") p99 = lat[NR];
              printf "%-20s %9.2f %9.2f\n", name, p50 / 1000, p99 / 1000 }'
done

# cadence serve's /metrics at this size: the scrape reads the events since the last
# one (here 1,000 new jobs before each), the kept counts, the executors.
start_gateway
port=$GATEWAY_PORT
: >"$scripts/scrape_idle" && : >"$scripts/scrape_changed"
for _ in $(seq 1 100); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >>"$scripts/scrape_idle"
done
for _ in $(seq 1 50); do
    $PSQL -c "SELECT count(*) FROM cadence.create_jobs(array(SELECT 'scraped ' || g FROM generate_series(1, 1000) g),
                                                       cadence.once(now() + interval '1 day'), queue => 'scraped')" >/dev/null
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >>"$scripts/scrape_changed"
done
for name in scrape_idle scrape_changed; do
    sort -n "$scripts/$name" | awk -v name="$name" '{ t[NR] = $1 }
        END { printf "%-20s %9.2f %9.2f\n", name, t[int(NR * 0.50) + 1] * 1000, t[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] * 1000 }'
done
echo "(scrape_idle: /metrics with nothing new; scrape_changed: after 1,000 new jobs each time; curl's total time)"
