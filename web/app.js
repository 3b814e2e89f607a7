// The live jobs page: the list of cadence.recent_jobs, kept current by one
// EventSource on /api/v1/events. No polling: every change arrives as an event,
// and only the job it names is fetched again.
'use strict';

const params = new URLSearchParams(location.search);
const token = params.get('token');
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const TERMINAL = new Set(['completed', 'fatal', 'canceled']);
const RANK = { running: 0, scheduled: 1, error: 2, fatal: 2 };

const jobs = new Map();       // job_id -> job, as /api/v1/jobs returns it
const lastEvent = new Map();  // job_id -> the newest event id applied
const pending = new Map();    // job_id -> a fetch in flight
const deleted = new Set();    // job ids whose deleted event arrived
let selected = null;          // the job in the detail panel

const $ = (id) => document.getElementById(id);
const filters = { status: $('filter-status'), queue: $('filter-queue'), name: $('filter-name') };

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...headers, ...(options.headers || {}) } });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

// recent_jobs order: running, scheduled, error and fatal, the rest; newest change first.
function compare(a, b) {
  const ra = RANK[a.status] ?? 3, rb = RANK[b.status] ?? 3;
  if (ra !== rb) return ra - rb;
  if (a.changed_at !== b.changed_at) return a.changed_at < b.changed_at ? 1 : -1;
  return b.job_id - a.job_id;
}

function matches(job) {
  const status = filters.status.value, queue = filters.queue.value.trim(), name = filters.name.value.trim().toLowerCase();
  return (!status || job.status === status) && (!queue || job.queue === queue) &&
         (!name || job.name.toLowerCase().includes(name));
}

function visibleJobs() {
  return [...jobs.values()].filter(matches).sort(compare);
}

function time(value) {
  if (!value) return '';
  const d = new Date(value);
  return isNaN(d) ? value : d.toLocaleString(undefined, { hour12: false });
}

function cell(text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (text !== undefined && text !== null) td.textContent = text;
  return td;
}

function badge(status) {
  const span = document.createElement('span');
  span.className = 'badge';
  span.dataset.status = status;
  span.textContent = status;
  return span;
}

function rowFor(job) {
  const tr = document.createElement('tr');
  tr.className = 'job';
  tr.dataset.jobId = job.job_id;
  tr.dataset.status = job.status;
  tr.append(cell(job.job_id), cell(job.name), cell(job.queue));
  const status = cell();
  status.append(badge(job.status));
  if (job.paused) status.append(Object.assign(document.createElement('span'), { className: 'paused', textContent: 'paused' }));
  tr.append(status, cell(`${job.attempt} / ${job.max_attempts}`), cell(time(job.next_run_at)));
  const progress = cell();
  if (job.progress !== null && job.progress !== undefined) {
    const bar = document.createElement('div');
    bar.className = 'progress';
    bar.title = `${job.progress}%`;
    const fill = document.createElement('div');
    fill.style.width = `${Math.max(0, Math.min(100, job.progress))}%`;
    bar.append(fill);
    progress.append(bar);
  }
  tr.append(progress, cell(time(job.changed_at)));
  const actions = cell(undefined, 'actions');
  if (job.status === 'scheduled' || job.status === 'running') {
    actions.append(button('Cancel', 'cancel', () => act(job.job_id, 'cancel')));
  }
  if (job.status !== 'running' && !job.paused) {
    actions.append(button('Run now', 'run', () => act(job.job_id, 'run')));
  }
  tr.append(actions);
  tr.addEventListener('click', () => showDetail(job.job_id));
  return tr;
}

function button(label, action, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.action = action;
  b.addEventListener('click', (event) => { event.stopPropagation(); onClick(); });
  return b;
}

function render(changed) {
  const list = visibleJobs();
  const tbody = document.querySelector('#jobs tbody');
  tbody.replaceChildren(...list.map((job) => {
    const row = rowFor(job);
    if (changed && changed.has(job.job_id)) row.classList.add('flash');
    return row;
  }));
  $('empty').hidden = list.length > 0;
  $('count').textContent = `${list.length} of ${jobs.size} jobs`;
}

async function act(jobId, action) {
  try {
    await api(`/api/v1/jobs/${jobId}/${action}`, { method: 'POST' });
  } catch (error) {
    alert(`Job ${jobId}: ${error.message}`);
  }
}

// Re-reads one job. Events that arrive while a read is in flight are covered by
// reading again when it returns older than the newest event seen.
async function refreshJob(jobId) {
  if (pending.has(jobId)) return pending.get(jobId);
  let again = false;
  const request = api(`/api/v1/jobs/${jobId}`).then((body) => {
    if (deleted.has(jobId)) return;
    if ((body.job.event_id ?? 0) < (lastEvent.get(jobId) ?? 0)) {
      again = true;  // read before the newest event committed
      return;
    }
    jobs.set(jobId, body.job);
    render(new Set([jobId]));
    if (selected === jobId) fillDetail(body);
  }).catch(() => {
    // Deleted (404) meanwhile, or not ours: its deleted event removes it.
  }).finally(() => {
    pending.delete(jobId);
    if (again) refreshJob(jobId);
  });
  pending.set(jobId, request);
  return request;
}

function applyEvent(message) {
  const jobId = message.job_id;
  if ((lastEvent.get(jobId) ?? 0) >= message.event_id) return;  // seen already
  lastEvent.set(jobId, message.event_id);
  if (message.status === 'deleted') {
    deleted.add(jobId);
    jobs.delete(jobId);
    render();
    if (selected === jobId) $('detail-title').textContent += ' (deleted)';
    return;
  }
  const job = jobs.get(jobId);
  if (job) {
    // Show the change at once; the fetch fills in run times, worker and errors.
    job.status = message.status;
    job.attempt = message.attempt;
    job.changed_at = message.at;
    job.event_id = message.event_id;
    if (message.event === 'paused') job.paused = true;
    if (message.event === 'resumed') job.paused = false;
    render(new Set([jobId]));
  }
  refreshJob(jobId);
}

function connect() {
  const url = new URL('/api/v1/events', location.href);
  if (token) url.searchParams.set('access_token', token);
  const source = new EventSource(url);
  const state = $('connection');
  source.onopen = () => { state.dataset.state = 'live'; state.textContent = 'live'; };
  source.onerror = () => { state.dataset.state = 'down'; state.textContent = 'reconnecting…'; };
  const onMessage = (event) => applyEvent(JSON.parse(event.data));
  source.addEventListener('status', onMessage);
  source.onmessage = onMessage;
}

async function load() {
  const body = await api('/api/v1/jobs?limit=1000');
  for (const job of body.jobs) {
    // Events that arrived while the list was read are newer than it.
    if (deleted.has(job.job_id)) continue;
    const known = jobs.get(job.job_id);
    if (known && (known.event_id ?? 0) > (job.event_id ?? 0)) continue;
    jobs.set(job.job_id, job);
    lastEvent.set(job.job_id, Math.max(lastEvent.get(job.job_id) ?? 0, job.event_id ?? 0));
  }
  render();
}

function field(dl, name, value) {
  if (value === null || value === undefined || value === '') return;
  dl.append(Object.assign(document.createElement('dt'), { textContent: name }),
            Object.assign(document.createElement('dd'), { textContent: typeof value === 'object' ? JSON.stringify(value) : value }));
}

function fillDetail(body) {
  const job = body.job;
  $('detail-title').textContent = `Job ${job.job_id}: ${job.name}`;
  const dl = $('detail-fields');
  dl.replaceChildren();
  field(dl, 'Status', job.status + (job.paused ? ' (paused)' : ''));
  field(dl, 'Attempt', `${job.attempt} of ${job.max_attempts}`);
  field(dl, 'Queue', job.queue);
  field(dl, 'Kind', job.kind);
  field(dl, 'Owner', job.owner);
  field(dl, 'Trigger', job.trigger);
  field(dl, 'Next run', time(job.next_run_at));
  field(dl, 'Fire time', time(job.fire_time));
  field(dl, 'Worker', job.worker);
  field(dl, 'Progress', job.progress !== null && job.progress !== undefined ? `${job.progress}%` : null);
  field(dl, 'Heartbeat', time(job.heartbeat_at));
  field(dl, 'Created', time(job.created_at));
  $('detail-error').hidden = !job.last_error;
  $('detail-error-message').textContent = job.last_error ? `${job.last_error} (${time(job.last_error_at)})` : '';
  $('detail-traceback').textContent = job.last_traceback || '';
  $('detail-traceback').hidden = !job.last_traceback;
  const tbody = document.querySelector('#detail-events tbody');
  tbody.replaceChildren(...(body.events || []).map((e) => {
    const tr = document.createElement('tr');
    tr.append(cell(e.event), cell(e.status), cell(e.attempt), cell(time(e.at)), cell(e.worker), cell(e.error));
    return tr;
  }));
}

async function showDetail(jobId) {
  selected = jobId;
  $('detail').hidden = false;
  try {
    const body = await api(`/api/v1/jobs/${jobId}`);
    fillDetail(body);
    // The row takes what the panel read (progress moves without events).
    if (!deleted.has(jobId) && (body.job.event_id ?? 0) >= (lastEvent.get(jobId) ?? 0)) {
      jobs.set(jobId, body.job);
      render();
    }
  } catch (error) {
    $('detail-title').textContent = `Job ${jobId}: ${error.message}`;
  }
}

function download(name, type, text) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

const COLUMNS = ['job_id', 'name', 'queue', 'kind', 'status', 'attempt', 'max_attempts', 'paused',
                 'next_run_at', 'worker', 'progress', 'changed_at', 'last_error'];

function csvValue(value) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

$('export-csv').addEventListener('click', () => {
  const lines = [COLUMNS.join(','), ...visibleJobs().map((job) => COLUMNS.map((c) => csvValue(job[c])).join(','))];
  download('cadence-jobs.csv', 'text/csv', lines.join('\r\n') + '\r\n');
});
$('export-json').addEventListener('click', () => {
  download('cadence-jobs.json', 'application/json', JSON.stringify(visibleJobs(), null, 2));
});
$('detail-close').addEventListener('click', () => { $('detail').hidden = true; selected = null; });
for (const input of Object.values(filters)) input.addEventListener('input', () => render());
$('filters').addEventListener('submit', (event) => event.preventDefault());

// Subscribe first, then read: a change between the two arrives as an event and
// is de-duplicated by event id.
connect();
load().catch((error) => { $('connection').dataset.state = 'down'; $('connection').textContent = error.message; });
