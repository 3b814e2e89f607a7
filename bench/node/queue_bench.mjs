// pg_cadence's external-worker hot path against graphile-worker, on one cluster,
// in one process, with node-postgres as every system's client. Run by
// bench/queue_bench.sh, which starts the cluster and passes the settings below
// in the environment:
//
//   BENCH_PGHOST, BENCH_PGPORT  the cluster (TCP)
//   JOBS                        jobs per run (20000)
//   ROUNDS                      how many times the five modes run, interleaved (1)
//   GW_BATCH_DELAY              completeJobBatchDelay/failJobBatchDelay of mode 5, ms (0)
//
// Modes, each with 4 workers and JOBS jobs made before the clock starts:
//   1 cadence 1x1      claim(q, w, 1) + complete(id, w)            per job
//   2 cadence 10+10    claim(q, w, 10) + complete(ids[], w)        per 10 jobs (0.2.0 API)
//   3 cadence c&c      complete_and_claim(ids[], w, q, 10)         per 10 jobs (0.2.0 API)
//   4 graphile default run({concurrency: 4}), everything else default
//   5 graphile batched run({concurrency: 4}) + localQueue {size: 10} + batched completion
//
// Figures: jobs/s from the first worker's start to the commit of the last
// completion; p50/p99 of each SQL round trip a worker (or graphile's pool) makes;
// p50/p99 of each job's "claim sent -> its completion committed". Checks after
// each pg_cadence run: cadence.verify() empty, every job completed, nothing left
// running or scheduled in the queue, the event log holds one running and one
// completed event per job, and a LISTEN client on cadence_status received exactly
// one 'running' and one 'completed' message per job. After each graphile run: every
// job started once, completed once, and graphile_worker's jobs table is empty.
// A broken rule is printed as FAILED at once and again at the end; the exit
// status is then 1, after the table.
//
// Fairness, as far as it goes: both systems run in this one process, over TCP,
// on the same cluster, one after the other, with VACUUM ANALYZE and CHECKPOINT
// before each run. graphile-worker gets the pg.Pool of 10 it would make itself
// (maxPoolSize), already connected, as pg_cadence's workers are; its per-job
// success log line is off (NO_LOG_SUCCESS) and its logger prints only warnings
// and errors. Its workers do not wait for completeJob (0.18 does not await it,
// batched or not): completion overlaps the next get_job, which the in-flight
// count of its statements shows. pg_cadence's workers run exactly the loops of
// the modes above, one statement at a time per connection.

import pg from "pg";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

// graphile-worker logs a line for every successful job unless NO_LOG_SUCCESS is
// set, read when its modules load: set it before importing them.
process.env.NO_LOG_SUCCESS ??= "1";
const { run, runMigrations, Logger } = await import("graphile-worker");
const packageVersion = (name) =>
    JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), "utf8")).version;
const GRAPHILE_VERSION = packageVersion("graphile-worker");
const PG_VERSION = packageVersion("pg");

const N = Number.parseInt(process.env.JOBS ?? "20000", 10);
const ROUNDS = Number.parseInt(process.env.ROUNDS ?? "1", 10);
const GW_DELAY = Number(process.env.GW_BATCH_DELAY ?? "0");
const WORKERS = 4;
const BATCH = 10;
const QUEUE = "bench";
const RUN_TIMEOUT_MS = 15 * 60 * 1000;
const NOTIFY_WAIT_MS = 30 * 1000;
if (!(N > 0) || !(ROUNDS > 0)) throw new Error("JOBS and ROUNDS must be positive integers");

const conn = {
    host: process.env.BENCH_PGHOST ?? "127.0.0.1",
    port: Number(process.env.BENCH_PGPORT ?? 5432),
    user: process.env.BENCH_PGUSER ?? "postgres",
    database: process.env.BENCH_PGDATABASE ?? "postgres",
};
const now = () => performance.now();

// ---------------------------------------------------------------- rules, figures
const failures = [];
function rule(ok, what) {
    if (!ok) {
        failures.push(what);
        console.error(`FAILED: ${what}`);
    }
    return ok;
}

function percentile(sorted, p) {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
function dist(values) {
    const s = Float64Array.from(values).sort();
    return { n: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s.length ? s[s.length - 1] : NaN };
}
const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : "-");

// ---------------------------------------------------------------- connections
async function connect(extra = {}) {
    const c = new pg.Client({ ...conn, ...extra });
    await c.connect();
    return c;
}
const admin = await connect();
// Jobs for pg_cadence are made with publication off: their 'scheduled' events
// are not what the LISTEN check counts, and making them is not timed.
const creator = await connect({ options: "-c cadence.publish_status=off" });

async function scalar(sql, values = []) {
    const r = await admin.query({ text: sql, values, rowMode: "array" });
    return r.rows[0]?.[0];
}

const CADENCE_VERSION = await scalar("SELECT cadence.version()");
const HAS = {
    completeMany: await scalar("SELECT to_regprocedure('cadence.complete_batch(bigint[],text,jsonb[])') IS NOT NULL"),
    completeAndClaim: await scalar(
        "SELECT to_regprocedure('cadence.complete_and_claim(bigint[],text,text,int,interval,jsonb[])') IS NOT NULL",
    ),
    createJobs: await scalar(
        "SELECT string_agg(oid::regprocedure::text, ', ') FROM pg_proc " +
            "WHERE proname = 'create_jobs' AND pronamespace = 'cadence'::regnamespace",
    ),
};

// ---------------------------------------------------------------- LISTEN cadence_status
class StatusListener {
    constructor() {
        this.phase = "setup";
        this.resyncsByPhase = new Map(); // resync messages by what was running when they came
        this.arm(null);
    }
    async start() {
        this.client = await connect();
        this.client.on("notification", (m) => this.onNotification(m));
        await this.client.query("LISTEN cadence_status");
    }
    arm(ids) {
        this.ids = ids;
        this.running = new Map();
        this.completed = new Map();
        this.runningMsgs = 0;
        this.completedMsgs = 0;
        this.eventIds = new Set();
        this.duplicateEventIds = 0;
        this.otherEvents = 0;
        this.otherJobs = 0;
        this.resyncs = 0;
        this.bulkRanges = 0;
        this.unparsable = 0;
        this.lastAt = now();
        this.waiter = null;
    }
    onNotification(m) {
        if (m.channel !== "cadence_status") return;
        let messages;
        try {
            messages = JSON.parse(m.payload);
        } catch {
            this.unparsable++;
            return;
        }
        for (const x of Array.isArray(messages) ? messages : [messages]) {
            if (x?.type === "resync" && x.first_event_id !== undefined) {
                // A bulk change (the job making below): its events are in the log, by id.
                this.bulkRanges++;
                continue;
            }
            if (x?.type === "resync") {
                this.resyncs++;
                this.resyncsByPhase.set(this.phase, (this.resyncsByPhase.get(this.phase) ?? 0) + 1);
                continue;
            }
            // Every event id below `below` is published or rolled back (docs/status-positions.md).
            if (x?.type === "horizon" && Number.isInteger(x.below)) continue;
            if (x?.type !== "status") {
                this.unparsable++;
                continue;
            }
            const id = String(x.job_id);
            if (!this.ids?.has(id)) {
                this.otherJobs++;
                continue;
            }
            if (this.eventIds.has(x.event_id)) this.duplicateEventIds++;
            else this.eventIds.add(x.event_id);
            if (x.event === "running") {
                this.running.set(id, (this.running.get(id) ?? 0) + 1);
                this.runningMsgs++;
            } else if (x.event === "completed") {
                this.completed.set(id, (this.completed.get(id) ?? 0) + 1);
                this.completedMsgs++;
            } else {
                this.otherEvents++;
            }
            this.lastAt = now();
        }
        if (this.waiter && this.runningMsgs >= this.ids.size && this.completedMsgs >= this.ids.size) {
            this.waiter();
        }
    }
    // Resolves when a message for every job has arrived, or nothing arrived for a while.
    async drain() {
        const deadline = now() + NOTIFY_WAIT_MS;
        while (now() < deadline) {
            if (this.runningMsgs >= this.ids.size && this.completedMsgs >= this.ids.size) break;
            if (now() - this.lastAt > 10000) break;
            await Promise.race([new Promise((r) => (this.waiter = r)), sleep(200)]);
            this.waiter = null;
        }
        // Anything sent twice arrives right behind: give it a moment.
        await sleep(300);
    }
}
const listener = new StatusListener();
await listener.start();

// ---------------------------------------------------------------- before each run
async function quiesce() {
    // The same start for every run: statistics fresh, dead rows of earlier runs
    // gone, no checkpoint owed.
    await admin.query("VACUUM ANALYZE");
    await admin.query("CHECKPOINT");
    await sleep(500);
}

async function makeCadenceJobs(n) {
    // In transactions of 5,000 jobs, each published as a ranged resync (a bulk
    // change: more events than an eighth of cadence.status_queue_size); then a
    // moment for the scheduler to take them in.
    const ids = new Set();
    for (let made = 0; made < n; made += 5000) {
        const r = await creator.query({
            text:
                "SELECT array_agg(id ORDER BY id)::text[] FROM (SELECT cadence.create_job('b', " +
                `'{"kind":"once","at":"2026-01-01T00:00:00Z"}', queue => $2::text) AS id ` +
                "FROM generate_series(1, $1::int)) s",
            values: [Math.min(5000, n - made), QUEUE],
            rowMode: "array",
        });
        for (const id of r.rows[0][0]) ids.add(id);
    }
    await sleep(1000);
    return ids;
}

async function makeGraphileJobs(n) {
    const r = await admin.query({
        text:
            "SELECT array_agg(id ORDER BY id)::text[] FROM graphile_worker.add_jobs(ARRAY(" +
            "SELECT ROW('noop', '{}'::json, NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec " +
            "FROM generate_series(1, $1::int)))",
        values: [n],
        rowMode: "array",
    });
    return new Set(r.rows[0][0]);
}

// ---------------------------------------------------------------- pg_cadence workers
// Each worker is one connection in autocommit: every statement is its own
// transaction. Statements are prepared (named), as graphile-worker's are.
function workerState(name) {
    return { name, rt: [], jobs: 0 };
}

async function timed(c, w, st, q) {
    const t = now();
    const r = await c.query(q);
    w.rt.push(now() - t);
    st.calls++;
    if (now() - st.t0 > RUN_TIMEOUT_MS) throw new Error(`run took longer than ${RUN_TIMEOUT_MS / 1000} s`);
    return r;
}

function takeClaimed(st, w, rows) {
    for (const row of rows) {
        if (!st.ids.has(String(row.job_id))) {
            rule(false, `${st.mode}: ${w.name} claimed job ${row.job_id}, which is not one of this run's`);
        }
        if (st.claimedIds.has(String(row.job_id))) {
            rule(false, `${st.mode}: job ${row.job_id} claimed twice`);
        }
        st.claimedIds.add(String(row.job_id));
    }
    st.claimed += rows.length;
}

function finished(st, w, count, claimSentAt) {
    const t = now();
    for (let i = 0; i < count; i++) st.jobLat.push(t - claimSentAt);
    st.completed += count;
    w.jobs += count;
    st.lastDone = t;
}

// Claims with `claim` until N jobs are claimed; `finish(rows)` completes what one
// claim took, and the jobs count as finished when it returns.
async function claimUntilDone(c, w, st, claim, finish) {
    while (st.claimed < N) {
        const sent = now();
        const r = await timed(c, w, st, claim);
        if (r.rows.length === 0) {
            st.empty++;
            continue;
        }
        takeClaimed(st, w, r.rows);
        await finish(r.rows);
        finished(st, w, r.rows.length, sent);
    }
}

const cadenceWorkers = {
    // 1: one job per claim, one complete per job.
    async one(c, w, st) {
        const claim = { name: "cd_claim1", text: "SELECT * FROM cadence.claim($1::text, $2::text, 1)", values: [QUEUE, w.name] };
        await claimUntilDone(c, w, st, claim, (rows) => timed(c, w, st, {
            name: "cd_complete1",
            text: "SELECT cadence.complete($1::bigint, $2::text)",
            values: [rows[0].job_id, w.name],
        }));
    },
    // 2: ten per claim, the ten finished in one call.
    async batch(c, w, st) {
        const claim = { name: "cd_claim10", text: "SELECT * FROM cadence.claim($1::text, $2::text, $3::int)", values: [QUEUE, w.name, BATCH] };
        await claimUntilDone(c, w, st, claim, async (rows) => {
            const ids = rows.map((row) => String(row.job_id));
            const done = await timed(c, w, st, {
                name: "cd_complete_many",
                text: "SELECT * FROM cadence.complete_batch($1::bigint[], $2::text)",
                values: [ids, w.name],
            });
            const ok = done.rows.filter((d) => d.status === "completed" && d.refused == null).length;
            rule(
                done.rows.length === ids.length && ok === ids.length,
                `${st.mode}: complete(${ids.length} ids) returned ${done.rows.length} rows, ${ok} completed: ` +
                    JSON.stringify(done.rows.filter((d) => d.status !== "completed" || d.refused != null).slice(0, 3)),
            );
        });
    },
    // 1b: one job at a time, in one call per job: finish it and claim the next.
    completeAndClaimOne(c, w, st) {
        return cadenceWorkers.completeAndClaim(c, w, st, 1);
    },
    // 3: one call per batch: finish the last batch and claim the next.
    async completeAndClaim(c, w, st, size = BATCH) {
        let held = [];
        let heldSince = 0;
        for (;;) {
            if (held.length === 0 && st.claimed >= N) break;
            const sent = now();
            const r = await timed(c, w, st, {
                name: "cd_complete_and_claim",
                text: "SELECT * FROM cadence.complete_and_claim($1::bigint[], $2::text, $3::text, $4::int)",
                values: [held, w.name, QUEUE, size],
            });
            if (held.length > 0) finished(st, w, held.length, heldSince);
            takeClaimed(st, w, r.rows);
            held = r.rows.map((row) => String(row.job_id));
            heldSince = sent;
            if (held.length === 0 && st.claimed < N) st.empty++;
        }
    },
};

async function cadenceRun(label, kind) {
    // Making the jobs is a bulk change, announced (even with publication off, the
    // scheduler reads it) as a ranged resync, which the listener counts apart.
    // It comes before the clock starts.
    listener.phase = `${label}: making its jobs in one statement (publication off), before the clock`;
    const ids = await makeCadenceJobs(N);
    rule(ids.size === N, `${label}: made ${ids.size} jobs, not ${N}`);
    await quiesce();
    const clients = await Promise.all(Array.from({ length: WORKERS }, () => connect()));
    const workers = clients.map((_, i) => workerState(`w${i + 1}`));
    const st = {
        mode: label, ids, claimedIds: new Set(), claimed: 0, completed: 0, calls: 0, empty: 0,
        jobLat: [], t0: 0, lastDone: 0,
    };
    listener.arm(ids);
    listener.phase = `${label}: the timed run`;
    st.t0 = now();
    try {
        await Promise.all(clients.map((c, i) => cadenceWorkers[kind](c, workers[i], st)));
    } finally {
        await Promise.all(clients.map((c) => c.end()));
    }
    const seconds = (st.lastDone - st.t0) / 1000;
    const notifyWaitFrom = now();
    await listener.drain();
    const notifyTail = listener.lastAt - st.lastDone;

    // The rules.
    rule(st.completed === N, `${label}: ${st.completed} jobs completed by the workers, not ${N}`);
    const bad = await scalar("SELECT count(*) FROM cadence.verify()");
    rule(Number(bad) === 0, `${label}: cadence.verify() returned ${bad} rows`);
    const statuses = (
        await admin.query({
            text: "SELECT status, count(*)::int AS n FROM cadence.jobs_status WHERE job_id = ANY($1::bigint[]) GROUP BY 1",
            values: [[...ids]],
        })
    ).rows;
    const completedInDb = statuses.find((s) => s.status === "completed")?.n ?? 0;
    rule(completedInDb === N, `${label}: jobs_status of this run's jobs: ${JSON.stringify(statuses)}`);
    const leftover = await scalar(
        "SELECT count(*)::int FROM cadence.jobs_status WHERE queue = $1 AND status IN ('running', 'scheduled')",
        [QUEUE],
    );
    rule(leftover === 0, `${label}: ${leftover} jobs of queue '${QUEUE}' left running or scheduled`);
    const events = Object.fromEntries(
        (
            await admin.query({
                text: "SELECT event, count(*)::int AS n FROM cadence.job_events WHERE job_id = ANY($1::bigint[]) GROUP BY 1",
                values: [[...ids]],
            })
        ).rows.map((r) => [r.event, r.n]),
    );
    rule(
        events.running === N && events.completed === N,
        `${label}: the event log holds ${JSON.stringify(events)} for this run's jobs, not ${N} running and ${N} completed`,
    );
    const L = listener;
    let runMissing = 0, runTwice = 0, doneMissing = 0, doneTwice = 0;
    for (const id of ids) {
        const r = L.running.get(id) ?? 0, d = L.completed.get(id) ?? 0;
        if (r === 0) runMissing++;
        if (r > 1) runTwice++;
        if (d === 0) doneMissing++;
        if (d > 1) doneTwice++;
    }
    const notify = {
        running: L.runningMsgs, completed: L.completedMsgs, runMissing, runTwice, doneMissing, doneTwice,
        duplicateEventIds: L.duplicateEventIds, otherEvents: L.otherEvents, otherJobs: L.otherJobs,
        resyncs: L.resyncs, unparsable: L.unparsable, tailMs: notifyTail, waitedMs: now() - notifyWaitFrom,
    };
    const resyncNote = L.resyncs > 0 ? ` (${L.resyncs} resync message(s) received: the publisher dropped events)` : "";
    rule(
        runMissing === 0 && doneMissing === 0,
        `${label}: LISTEN cadence_status: ${runMissing} jobs without a 'running' message, ` +
            `${doneMissing} without a 'completed' one${resyncNote}`,
    );
    rule(
        runTwice === 0 && doneTwice === 0 && L.duplicateEventIds === 0,
        `${label}: LISTEN cadence_status: ${runTwice} jobs with 'running' twice, ${doneTwice} with 'completed' twice, ` +
            `${L.duplicateEventIds} event ids seen twice`,
    );
    rule(L.unparsable === 0 && L.otherEvents === 0,
        `${label}: LISTEN cadence_status: ${L.unparsable} messages not understood, ${L.otherEvents} other events of this run's jobs`);
    return {
        label, system: "cadence", seconds, jobsPerSec: N / seconds, calls: st.calls, empty: st.empty,
        rt: dist(workers.flatMap((w) => w.rt)), job: dist(st.jobLat),
        perWorker: workers.map((w) => ({ name: w.name, jobs: w.jobs, ...dist(w.rt) })), notify,
    };
}

// ---------------------------------------------------------------- graphile-worker
// Every statement graphile-worker's pool sends goes through pg.Client's query:
// wrap it to time the round trips of fetching (get_job*) and completing
// (complete_job*) jobs, and to see when each completion has committed (with
// completion batching the worker moves on before that).
let probe = null;
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
    const p = probe;
    if (p === null || config === null || typeof config !== "object") return originalQuery.call(this, config, ...rest);
    const name = typeof config.name === "string" ? config.name : "";
    const text = typeof config.text === "string" ? config.text : "";
    const kind = name.startsWith("get_job") || /attempts = jobs\.attempts \+ 1/.test(text)
        ? "get"
        : name.startsWith("complete_job") || /^delete from .*_private_jobs/.test(text)
            ? "complete"
            : "other";
    const sent = now();
    const result = originalQuery.call(this, config, ...rest);
    p.calls++;
    if (result && typeof result.then === "function" && kind !== "other") {
        p.sent(kind);
        const settle = (res) => p.onResult(kind, config, sent, now(), res);
        result.then(settle, () => settle(null));
    }
    return result;
};

const quietLogger = new Logger(() => (level, message) => {
    if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
});

async function graphileRun(label, batched) {
    const ids = await makeGraphileJobs(N);
    rule(ids.size === N, `${label}: added ${ids.size} jobs, not ${N}`);
    await quiesce();
    // graphile-worker's default pool is a pg.Pool of 10 (maxPoolSize); this is the
    // same pool, given to it already connected as the pg_cadence workers are.
    const pool = new pg.Pool({ ...conn, max: 10 });
    // Error handlers on the pool and its clients, as graphile-worker asks of a pool it is given.
    pool.on("error", (e) => console.error(`graphile pool error: ${e.message}`));
    pool.on("connect", (c) => c.on("error", (e) => console.error(`graphile pool client error: ${e.message}`)));
    const warm = await Promise.all(Array.from({ length: 10 }, () => pool.connect()));
    warm.forEach((c) => c.release());

    let done;
    const allDone = new Promise((r) => (done = r));
    const st = {
        t0: 0, lastDone: 0, started: new Map(), fetchedAt: new Map(), completedIds: new Set(),
        completeTwice: 0, strangers: 0, rt: [], rtGet: [], rtComplete: [], jobLat: [], calls: 0,
        perWorker: new Map(), failed: 0, inFlight: [],
    };
    probe = {
        calls: 0,
        inFlight: 0,
        // How many of its get_job/complete_job statements graphile-worker has out
        // at once, seen by each one sent (pg_cadence's workers: at most 4).
        sent() {
            this.inFlight++;
            if (st.t0 !== 0) st.inFlight.push(this.inFlight);
        },
        onResult(kind, config, sent, at, res) {
            this.inFlight--;
            if (st.t0 === 0 || res === null) return;
            st.rt.push(at - sent);
            if (kind === "get") {
                st.rtGet.push(at - sent);
                for (const row of res.rows) st.fetchedAt.set(String(row.id), sent);
                return;
            }
            st.rtComplete.push(at - sent);
            const v = config.values?.[0];
            for (const id of (Array.isArray(v) ? v : [v]).map(String)) {
                if (!ids.has(id)) st.strangers++;
                if (st.completedIds.has(id)) st.completeTwice++;
                st.completedIds.add(id);
                st.jobLat.push(at - (st.fetchedAt.get(id) ?? NaN));
            }
            if (st.completedIds.size >= N && st.lastDone === 0) {
                st.lastDone = at;
                done();
            }
        },
    };
    const events = new EventEmitter();
    events.on("pool:create", () => {
        st.t0 = now();
        probe.calls = 0;
    });
    events.on("job:start", ({ worker, job }) => {
        const id = String(job.id);
        st.started.set(id, (st.started.get(id) ?? 0) + 1);
        const w = st.perWorker.get(worker.workerId) ?? { jobs: 0, last: 0, gaps: [] };
        const t = now();
        if (w.last) w.gaps.push(t - w.last);
        w.last = t;
        w.jobs++;
        st.perWorker.set(worker.workerId, w);
    });
    events.on("job:failed", () => st.failed++);
    events.on("job:error", () => st.failed++);

    const options = {
        pgPool: pool,
        concurrency: WORKERS,
        noHandleSignals: true,
        taskList: { noop: async () => {} },
        logger: quietLogger,
        events,
    };
    if (batched) {
        options.preset = {
            worker: { localQueue: { size: BATCH }, completeJobBatchDelay: GW_DELAY, failJobBatchDelay: GW_DELAY },
        };
    }
    const runner = await run(options);
    const timeout = sleep(RUN_TIMEOUT_MS, "timeout", { ref: false });
    const outcome = await Promise.race([allDone.then(() => "done"), timeout]);
    rule(outcome === "done", `${label}: ${st.completedIds.size} of ${N} jobs completed within ${RUN_TIMEOUT_MS / 1000} s`);
    await runner.stop();
    await runner.promise.catch((e) => rule(false, `${label}: runner ended with ${e}`));
    const calls = probe.calls;
    probe = null;
    await pool.end();
    const seconds = (st.lastDone - st.t0) / 1000;

    let notOnce = 0;
    for (const id of ids) if ((st.started.get(id) ?? 0) !== 1) notOnce++;
    rule(notOnce === 0 && st.started.size === N, `${label}: ${notOnce} jobs not started exactly once (${st.started.size} started)`);
    rule(st.completeTwice === 0 && st.strangers === 0,
        `${label}: ${st.completeTwice} completions of a job already completed, ${st.strangers} of jobs not this run's`);
    rule(st.failed === 0, `${label}: ${st.failed} job failures or errors`);
    const left = await scalar("SELECT count(*)::int FROM graphile_worker._private_jobs");
    rule(left === 0, `${label}: ${left} jobs left in graphile_worker._private_jobs`);
    return {
        label, system: "graphile", seconds, jobsPerSec: N / seconds, calls,
        rt: dist(st.rt), rtGet: dist(st.rtGet), rtComplete: dist(st.rtComplete), job: dist(st.jobLat),
        inFlight: dist(st.inFlight),
        perWorker: [...st.perWorker.values()].map((w, i) => ({ name: `gw${i + 1}`, jobs: w.jobs, ...dist(w.gaps) })),
    };
}

// ---------------------------------------------------------------- bulk creation
async function bulkCreate() {
    const out = [];
    // (a) create_job row by row from one statement, publication as the server has it (on).
    let t = now();
    const a = await scalar(
        "SELECT count(cadence.create_job('b', cadence.once('2026-01-01'), queue => $2::text)) FROM generate_series(1, $1::int)",
        [N, QUEUE],
    );
    let s = (now() - t) / 1000;
    rule(Number(a) === N, `create_job x${N}: ${a} jobs made`);
    out.push(["cadence.create_job x N, one statement", `${(N / s).toFixed(0)} jobs/s (${s.toFixed(2)} s)`]);
    // (b) the set-based create_jobs, when this version has it.
    if (!HAS.createJobs) {
        out.push(["cadence.create_jobs (set-based)", "skipped: not in this version"]);
    } else {
        t = now();
        try {
            const b = await scalar(
                "SELECT count(*) FROM cadence.create_jobs(array_fill('b'::text, ARRAY[$1::int]), " +
                    "cadence.once('2026-01-01'), queue => $2::text)",
                [N, QUEUE],
            );
            s = (now() - t) / 1000;
            rule(Number(b) === N, `create_jobs(${N} names): ${b} ids returned`);
            out.push(["cadence.create_jobs (set-based)", `${(N / s).toFixed(0)} jobs/s (${s.toFixed(2)} s)`]);
        } catch (e) {
            out.push([`cadence.create_jobs (set-based)`, `skipped: ${HAS.createJobs} exists but the call failed: ${e.message}`]);
        }
    }
    // For reference: graphile-worker's add_jobs, N specs in one call.
    t = now();
    const g = await makeGraphileJobs(N);
    s = (now() - t) / 1000;
    out.push(["graphile_worker.add_jobs, one call (reference)", `${(N / s).toFixed(0)} jobs/s (${s.toFixed(2)} s)`]);
    await admin.query("DELETE FROM graphile_worker._private_jobs WHERE id = ANY($1::bigint[])", [[...g]]);
    return out;
}

// ---------------------------------------------------------------- main
{
    const pool = new pg.Pool({ ...conn, max: 2 });
    pool.on("error", (e) => console.error(`migration pool error: ${e.message}`));
    pool.on("connect", (c) => c.on("error", (e) => console.error(`migration pool client error: ${e.message}`)));
    await runMigrations({ pgPool: pool, logger: quietLogger });
    await pool.end();
}

const MODES = [
    { key: "c1", label: "1 cadence claim+complete, 1 at a time", fn: () => cadenceRun("1 cadence 1x1", "one") },
    {
        key: "c1b", label: "1b cadence complete_and_claim(id, 1), 1 at a time",
        fn: () => cadenceRun("1b cadence 1x1 c&c", "completeAndClaimOne"),
        needs: HAS.completeAndClaim ? null : "cadence.complete_and_claim(bigint[],text,text,int,interval,jsonb[])",
    },
    { key: "g4", label: "4 graphile-worker defaults", fn: () => graphileRun("4 graphile default", false) },
    {
        key: "c2", label: "2 cadence claim(10) + complete(ids[])",
        fn: () => cadenceRun("2 cadence 10+10", "batch"), needs: HAS.completeMany ? null : "cadence.complete_batch(bigint[],text,jsonb[])",
    },
    {
        key: "g5", label: `5 graphile-worker localQueue 10 + batch ${GW_DELAY} ms`,
        fn: () => graphileRun("5 graphile batched", true),
    },
    {
        key: "c3", label: "3 cadence complete_and_claim(ids[], 10)",
        fn: () => cadenceRun("3 cadence c&c", "completeAndClaim"),
        needs: HAS.completeAndClaim ? null : "cadence.complete_and_claim(bigint[],text,text,int,interval,jsonb[])",
    },
];

console.log(
    `queue benchmark: ${N} jobs per run, ${WORKERS} workers, ${ROUNDS} round(s); pg_cadence ${CADENCE_VERSION}, ` +
        `graphile-worker ${GRAPHILE_VERSION}, node-postgres ${PG_VERSION}, node ${process.version}`,
);
for (const m of MODES) if (m.needs) console.log(`  mode ${m.label}: skipped: not in this version (${m.needs})`);

const results = new Map(MODES.map((m) => [m.key, []]));
for (let round = 1; round <= ROUNDS; round++) {
    // Interleaved; every other round in the opposite order, so neither system
    // always runs on the emptier (or warmer) cluster.
    const order = round % 2 === 1 ? MODES : [...MODES].reverse();
    for (const m of order) {
        if (m.needs) continue;
        listener.phase = `round ${round}, ${m.label}`;
        const r = await m.fn();
        listener.phase = "between runs";
        results.get(m.key).push(r);
        const extra = r.system === "cadence"
            ? `NOTIFY running ${r.notify.running}/${N} completed ${r.notify.completed}/${N}` +
              ` resync ${r.notify.resyncs}, last message ${ms(r.notify.tailMs)} ms after the last completion returned`
            : `get_job p50/p99 ${ms(r.rtGet.p50)}/${ms(r.rtGet.p99)} ms, complete p50/p99 ${ms(r.rtComplete.p50)}/${ms(r.rtComplete.p99)} ms, ` +
              `statements in flight p50/max ${r.inFlight.p50}/${r.inFlight.max}`;
        console.log(
            `  round ${round}  ${r.label.padEnd(20)} ${r.jobsPerSec.toFixed(0).padStart(6)} jobs/s  ` +
                `${r.seconds.toFixed(2)} s  ${(r.calls / N).toFixed(2)} SQL/job  ${extra}`,
        );
        console.log(
            `           per worker: ` +
                r.perWorker.map((w) => `${w.name} ${w.jobs} jobs ${ms(w.p50)}/${ms(w.p99)}`).join(", ") +
                (r.system === "cadence" ? " (round trip p50/p99 ms)" : " (gap between its job starts p50/p99 ms)"),
        );
    }
}

// Left-aligned first and last columns, the figures right-aligned; a row with two
// cells (a skipped mode) has its note in place of the figures.
function printTable(rows) {
    const full = rows.filter((r) => r.length > 2);
    const width = full[0].map((_, i) => Math.max(...full.map((r) => String(r[i]).length)));
    for (const r of rows) {
        if (r.length <= 2) {
            console.log(`${r[0].padEnd(width[0])}  ${r[1] ?? ""}`);
            continue;
        }
        console.log(
            r.map((c, i) => (i === 0 || i === r.length - 1 ? String(c).padEnd(width[i]) : String(c).padStart(width[i])))
                .join("  ").trimEnd(),
        );
    }
}

// The table: the median run of each mode (by jobs/s) when there are several rounds.
function medianRun(list) {
    if (list.length === 0) return null;
    const s = [...list].sort((a, b) => a.jobsPerSec - b.jobsPerSec);
    return s[Math.floor((s.length - 1) / 2)];
}
console.log("");
const medianNote = ROUNDS === 1 ? "" : ROUNDS % 2 ? `median of ${ROUNDS} rounds, ` : `lower median of ${ROUNDS} rounds, `;
console.log(`${medianNote}${N} jobs, ${WORKERS} workers, fsync and synchronous_commit on`);
const rows = [["mode", "jobs/s", "SQL/job", "round trip p50", "p99", "job claim->done p50", "p99", "LISTEN running/completed"]];
const med = {};
for (const m of MODES) {
    const r = medianRun(results.get(m.key));
    med[m.key] = r;
    if (!r) {
        rows.push([m.label, "skipped: not in this version"]);
        continue;
    }
    const notify = r.system === "cadence"
        ? `${r.notify.running}/${r.notify.completed} of ${N}${r.notify.resyncs ? `, ${r.notify.resyncs} resync` : ""}`
        : "-";
    rows.push([
        m.label, r.jobsPerSec.toFixed(0), (r.calls / N).toFixed(2), `${ms(r.rt.p50)} ms`, `${ms(r.rt.p99)} ms`,
        `${ms(r.job.p50)} ms`, `${ms(r.job.p99)} ms`, notify,
    ]);
}
printTable(rows);
const ratio = (a, b) => (med[a] && med[b] ? `${(med[a].jobsPerSec / med[b].jobsPerSec).toFixed(2)}x` : "skipped: not in this version");
console.log("");
console.log(`ratio (1)/(4) cadence 1x1 / graphile default:      ${ratio("c1", "g4")}`);
console.log(`ratio (1b)/(4) cadence 1x1 c&c / graphile default: ${ratio("c1b", "g4")}`);
console.log(`ratio (2)/(5) cadence 10+10 / graphile batched:    ${ratio("c2", "g5")}`);
console.log(`ratio (3)/(5) cadence c&c / graphile batched:      ${ratio("c3", "g5")}`);

console.log("");
console.log(`bulk creation, ${N} jobs (publication on):`);
listener.phase = "bulk creation (publication on)";
for (const [what, figure] of await bulkCreate()) console.log(`  ${what.padEnd(48)} ${figure}`);

console.log("");
console.log(
    "round trip: each SQL statement a worker sends, send to result (graphile: its get_job and " +
        "complete_job statements, from whichever pool connection); job claim->done: from sending " +
        "the statement that claimed a job to the commit of its completion.",
);
for (const [phase, n] of listener.resyncsByPhase) {
    console.log(`LISTEN cadence_status: ${n} resync message(s) (the publisher's ring overflowed) during ${phase}`);
}

await Promise.all([admin.end(), creator.end(), listener.client.end()]);
if (failures.length > 0) {
    console.error(`\n${failures.length} rule(s) broken:`);
    for (const f of failures) console.error(`  FAILED: ${f}`);
    process.exit(1);
}
console.log("all checks passed");
process.exit(0); // graphile-worker may leave timers behind: do not wait for them
