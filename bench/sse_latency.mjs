// SSE fan-out of `cadence serve`: opens STREAMS concurrent streams on
// /api/v1/events, then commits EVENTS status events (one job created per
// transaction, RATE per second) and measures, for every stream and event, the
// time from the event's timestamp (taken inside the committing transaction) to
// its arrival. Prints one line: streams, p50/p99/max ms, events received,
// gateway memory per stream (RSS growth / streams) and gateway CPU per second.
//
// Usage: node sse_latency.mjs URL GATEWAY_PID STREAMS EVENTS RATE   (psql uses PG*)
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [url, gatewayPid, streamsArg, eventsArg, rateArg] = process.argv.slice(2);
const streams = Number(streamsArg), events = Number(eventsArg), rate = Number(rateArg);
const tick = Number(process.env.CLK_TCK || 100);  // clock ticks per second of /proc/<pid>/stat

// Milliseconds since the epoch, with the microseconds of PostgreSQL's timestamp.
function parseAt(at) {
  const m = at.match(/^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)$/);
  if (!m) return Date.parse(at);
  return Date.parse(m[1] + m[3]) + (m[2] ? Number(m[2]) * 1000 : 0);
}
const nowMs = () => performance.timeOrigin + performance.now();

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
  return Number(m[1]);
}
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const latencies = [];
let open = 0;
const sockets = [];
function openStream() {
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}/api/v1/events`, { agent: false, headers: { Accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream: HTTP ${response.statusCode}`));
      open += 1;
      resolve();
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        const now = nowMs();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (!data) continue;
          const event = JSON.parse(data);
          if (event.at) latencies.push(now - parseAt(event.at));
        }
      });
    });
    request.on('error', reject);
    sockets.push(request);
  });
}

const rssBefore = rssKiB(gatewayPid);
for (let i = 0; i < streams; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, streams - i) }, openStream));
}
await new Promise((r) => setTimeout(r, 1000));
const rssAfter = rssKiB(gatewayPid);

// One psql session commits the events, RATE per second.
const psql = spawn('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'ignore', 'inherit'] });
const cpuBefore = cpuTicks(gatewayPid);
const started = Date.now();
for (let i = 0; i < events; i += 1) {
  psql.stdin.write(`SELECT cadence.create_job('sse bench ${i}', cadence.once(now() + interval '1 day'));\n`);
  const due = started + ((i + 1) * 1000) / rate;
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
}
psql.stdin.end();
await new Promise((r) => psql.on('exit', r));
const expected = streams * events;
for (let waited = 0; latencies.length < expected && waited < 10000; waited += 100) {
  await new Promise((r) => setTimeout(r, 100));
}
const seconds = (Date.now() - started) / 1000;
const cpuMs = ((cpuTicks(gatewayPid) - cpuBefore) * 1000) / tick;
for (const s of sockets) s.destroy();

latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
console.log([
  streams, pct(0.5).toFixed(2), pct(0.99).toFixed(2), (latencies.at(-1) ?? NaN).toFixed(2), `${latencies.length}/${expected}`,
  ((rssAfter - rssBefore) / streams).toFixed(1), (cpuMs / seconds).toFixed(0),
].join('\t'));
process.exit(0);
