// End-to-end test of the jobs page in headless Chromium (Debian's chromium,
// driven by playwright-core): jobs created through SQL appear and change state
// live without a reload, the detail panel shows a job's error and history, the
// cancel and run-now buttons act on the database, filters and export work,
// schedules read in words, counts filter, the URL holds the view, the list pages,
// and after a network blip the page gets what it missed, a late commit included.
// Prints TAP ("ok N - ..." / "not ok N - ...") and saves a screenshot.
//
// Environment: CADENCE_URL (the gateway, e.g. http://127.0.0.1:8080), PG* for
// psql (the gateway's database), SCREENSHOT (path of the PNG), CHROMIUM.
import { execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { check, done } from './tap.mjs';

const base = process.env.CADENCE_URL;
const screenshot = process.env.SCREENSHOT || 'jobs-page.png';
if (!base) throw new Error('set CADENCE_URL to the gateway, e.g. http://127.0.0.1:8080');

function psql(sql) {
  return execFileSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}
const timeout = 15000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const row = (id) => page.locator(`tr.job[data-job-id="${id}"]`);
  const rowWithStatus = (id, status) => page.locator(`tr.job[data-job-id="${id}"][data-status="${status}"]`);

  await page.goto(`${base}/`);
  await page.locator('#connection[data-state="live"]').waitFor();
  check(true, 'the page loads and its event stream is live');
  // A reload would clear this: it proves that everything below arrived live.
  await page.evaluate(() => { window.__notReloaded = true; });

  // 1. A job created through SQL appears at once.
  const external = psql(`SELECT cadence.create_job('e2e external', cadence.once(now() + interval '1 hour'), queue => 'e2e')`);
  await rowWithStatus(external, 'scheduled').waitFor();
  check(true, 'a job created through SQL appears, scheduled');

  // 2. Its runs change state live: claimed, then completed by a worker.
  psql(`SELECT cadence.run_job_now(${external})`);
  psql(`SELECT count(*) FROM cadence.claim('e2e', 'e2e-worker', 1)`);
  await rowWithStatus(external, 'running').waitFor();
  check(true, 'claimed by a worker: it shows running');
  psql(`SELECT cadence.complete(${external}, 'e2e-worker')`);
  await rowWithStatus(external, 'completed').waitFor();
  check(true, 'completed by the worker: it shows completed');

  // 3. A SQL job run by the executors fails; the detail panel shows why.
  const failing = psql(`SELECT cadence.create_job('e2e division', cadence.once(), sql => 'DO $$ BEGIN PERFORM 1 / 0; END $$', max_attempts => 1)`);
  await rowWithStatus(failing, 'fatal').waitFor();
  check(true, 'a failing SQL job shows fatal');
  await row(failing).locator('td').nth(1).click();
  await page.locator('#detail-error:not([hidden])').waitFor();
  check((await page.textContent('#detail-error-message')).includes('division by zero'), 'the detail panel shows its last error');
  check((await page.textContent('#detail-traceback')).length > 0, '... and its traceback (the SQL context)');
  check(await page.locator('#detail-events tbody tr').count() >= 3, '... and its event history');
  await page.click('#detail-close');

  // 4. The cancel button cancels a job in the database; run now schedules it again.
  const victim = psql(`SELECT cadence.create_job('e2e cancel me', cadence.once(now() + interval '1 hour'), queue => 'e2e')`);
  await rowWithStatus(victim, 'scheduled').waitFor();
  await row(victim).locator('button[data-action="cancel"]').click();
  await rowWithStatus(victim, 'canceled').waitFor();
  check(psql(`SELECT status FROM cadence.jobs_status WHERE job_id = ${victim}`) === 'canceled',
        'the cancel button canceled the job in the database');
  await row(victim).locator('button[data-action="run"]').click();
  await rowWithStatus(victim, 'scheduled').waitFor();
  check(psql(`SELECT status || ' ' || attempt FROM cadence.jobs_status WHERE job_id = ${victim}`) === 'scheduled 1',
        'the run-now button scheduled a new run');

  // 5. Filters by status, queue and name.
  await page.selectOption('#filter-status', 'fatal');
  check(await page.locator('tr.job').count() === 1 && await row(failing).count() === 1, 'the status filter shows only fatal jobs');
  await page.selectOption('#filter-status', '');
  await page.fill('#filter-queue', 'e2e');
  const inQueue = Number(psql(`SELECT count(*) FROM cadence.jobs WHERE queue = 'e2e'`));
  check(await page.locator('tr.job').count() === inQueue, `the queue filter shows the ${inQueue} jobs of queue e2e`);
  await page.fill('#filter-queue', '');
  await page.fill('#filter-name', 'DIVISION');
  check(await page.locator('tr.job').count() === 1, 'the name filter matches case-insensitively');
  await page.fill('#filter-name', '');

  // 6. The list is in cadence.recent_jobs order.
  const expected = psql(`SELECT string_agg(job_id::text, ',') FROM cadence.recent_jobs`);
  const shown = (await page.locator('tr.job').evaluateAll((rows) => rows.map((r) => r.dataset.jobId))).join(',');
  check(shown === expected, `the list is in cadence.recent_jobs order (${shown})`);

  // 7. Export: CSV and JSON of the list.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csvText = readFileSync(await csv.path(), 'utf8');
  check(csvText.startsWith('job_id,name,queue') && csvText.includes('e2e cancel me'), 'CSV export has a header and the jobs');
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const exported = JSON.parse(readFileSync(await json.path(), 'utf8'));
  check(exported.length === expected.split(',').length, 'JSON export has every listed job');

  // 8. A deleted job disappears.
  psql(`SELECT cadence.delete_job(${external})`);
  await row(external).waitFor({ state: 'detached' });
  check(true, 'a deleted job disappears');

  check(await page.evaluate(() => window.__notReloaded === true), 'all of it without reloading the page');
  await row(victim).locator('td').nth(1).click();
  await page.locator('#detail:not([hidden])').waitFor();
  await page.screenshot({ path: screenshot, fullPage: true });
  check(pageErrors.length === 0, `no script errors on the page${pageErrors.length ? ': ' + pageErrors.join('; ') : ''}`);

  // 10. Schedules in words, relative times, counts per status that filter, the
  // view in the URL (back restores it; a link opens it), search by id, paging.
  await page.locator('#detail-close').click();
  const every = psql(`SELECT cadence.create_job('e2e every', cadence.every('5 minutes'), queue => 'e2e-words')`);
  const cron = psql(`SELECT cadence.create_job('e2e cron', cadence.cron('0 3 * * *', 'Europe/Berlin'), queue => 'e2e-words')`);
  // (A new row shows at once from its event; its schedule comes with the read that follows.)
  await row(cron).locator('td.schedule', { hasText: 'Europe/Berlin' }).waitFor();
  await row(every).locator('td.schedule', { hasText: 'every' }).waitFor();
  check(await row(every).locator('td.schedule').textContent() === 'every 5 minutes' &&
        await row(cron).locator('td.schedule').textContent() === '0 3 * * * Europe/Berlin',
        'the schedule column says each trigger in words');
  const nextRun = row(every).locator('td.time').first();
  check(/^in \d+ (s|min)$/.test(await nextRun.textContent()) && ((await nextRun.getAttribute('title')) ?? '').length > 0,
        `the next run is relative ("${await nextRun.textContent()}"), with the exact time on hover`);
  const fatalCount = Number(psql(`SELECT coalesce(sum(jobs), 0) FROM cadence.status_counts WHERE status = 'fatal'`));
  await page.waitForFunction((n) => document.querySelector('#counts button[data-status="fatal"]')?.textContent === `fatal ${n}`,
                             fatalCount);
  check(fatalCount > 0, `the count of fatal jobs (${fatalCount}) is a button`);
  await page.locator('#counts button[data-status="fatal"]').click();
  await page.waitForFunction(() => new URLSearchParams(location.search).get('status') === 'fatal');
  check(await page.locator('tr.job').count() === fatalCount && await page.locator('#filter-status').inputValue() === 'fatal',
        'clicking it filters the list to the fatal jobs, and the URL says so');
  await page.goBack();
  await page.waitForFunction(() => !new URLSearchParams(location.search).has('status'));
  check(await page.locator('#filter-status').inputValue() === '' && await row(every).count() === 1,
        'back restores the unfiltered list');
  await row(every).locator('td').nth(1).click();
  await page.waitForFunction((id) => new URLSearchParams(location.search).get('job') === String(id), every);
  await page.goBack();
  await page.locator('#detail').waitFor({ state: 'hidden' });
  await page.waitForTimeout(200);
  check(!new URL(page.url()).searchParams.has('job'), 'back closes the job it opened, and the URL stays without it');
  await page.fill('#filter-name', String(every));
  check(await page.locator('tr.job').count() === 1 && await row(every).count() === 1, 'searching a number finds the job with that id');
  await page.fill('#filter-name', '');
  const local = (ms) => { const d = new Date(ms); const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; };
  await page.fill('#filter-from', local(Date.now() + 3600e3));
  await page.waitForFunction(() => new URLSearchParams(location.search).has('from'));
  await page.locator('#empty:not([hidden])').waitFor();
  check(await page.locator('tr.job').count() === 0, 'a date range of the last change after now shows no job');
  await page.fill('#filter-from', local(Date.now() - 3600e3));
  await row(every).waitFor();
  check(await row(cron).count() === 1, 'a range that holds the last changes shows them again');
  await page.fill('#filter-from', '');
  const watched = psql(`SELECT cadence.create_job('e2e watched', cadence.once(), queue => 'e2e-toast')`);
  psql(`SELECT count(*) FROM cadence.claim('e2e-toast', 'e2e-worker', 1)`);
  await rowWithStatus(watched, 'running').waitFor();
  await row(watched).locator('td').nth(1).click();
  await page.locator('#detail:not([hidden])').waitFor();
  psql(`SELECT cadence.complete(${watched}, 'e2e-worker')`);
  const toastBox = page.locator('#toasts .toast[data-status="completed"]');
  await toastBox.waitFor();
  check((await toastBox.textContent()) === `Job ${watched} (e2e watched) completed`, 'a toast says the job being looked at completed');
  await page.locator('#detail-close').click();
  await toastBox.locator('a').click();
  await page.locator('#detail:not([hidden])').waitFor();
  check((await page.locator('#detail-title').textContent()).startsWith(`Job ${watched}`), "the toast's link opens the job");
  await page.locator('#detail-close').click();
  const linked = await context.newPage();
  linked.setDefaultTimeout(timeout);
  await linked.goto(`${base}/?status=fatal&job=${failing}`);
  await linked.locator('#detail:not([hidden])').waitFor();
  await linked.locator(`tr.job[data-job-id="${failing}"]`).waitFor();
  check(await linked.locator('#filter-status').inputValue() === 'fatal' &&
        (await linked.locator('#detail-title').textContent()).startsWith(`Job ${failing}`) &&
        await linked.locator('tr.job').count() === fatalCount,
        'a link opens the filtered list with the job open');
  await linked.close();
  psql(`SELECT count(*) FROM cadence.create_jobs(array(SELECT 'e2e bulk ' || i FROM generate_series(1, 250) i),
                                                 cadence.once(now() + interval '1 hour'), queue => 'e2e-bulk')`);
  const paged = await context.newPage();
  paged.setDefaultTimeout(timeout);
  await paged.goto(`${base}/?queue=e2e-bulk`);
  await paged.locator('#more:not([hidden])').waitFor();
  const firstPage = await paged.locator('tr.job').count();
  await paged.locator('#more').click();
  await paged.waitForFunction(() => document.querySelectorAll('tr.job').length === 250);
  check(firstPage === 200 && await paged.locator('#more').isHidden(), 'the list pages: 200 jobs, then the other 50 on "Load more"');
  await paged.close();
  check(pageErrors.length === 0, `still no script errors${pageErrors.length ? ': ' + pageErrors.join('; ') : ''}`);

  // 11. The workers panel, live: a worker that claims shows busy with its run (a
  // link that opens it), its completed and failed counts are the log's, the
  // executors are there, and a worker unseen for cadence.worker_gone_after is gone.
  // (Closed at first, so that workers coming and going never move the list.)
  check(await page.locator('#workers-table').isHidden() &&
        /^\d+ seen, \d+ busy, \d+ gone$/.test(await page.locator('#workers-summary').textContent()),
        'the workers panel starts closed, its summary counting them');
  await page.locator('#workers summary').click();
  const workerRow = (name) => page.locator(`#workers-table tr[data-worker="${name}"]`);
  const held = psql(`SELECT cadence.create_job('e2e held', cadence.once(), queue => 'e2e-workers')`);
  psql(`SELECT count(*) FROM cadence.claim('e2e-workers', 'e2e-busy-worker', 1)`);
  await workerRow('e2e-busy-worker').locator('.worker-state[data-state="busy"]').waitFor();
  check(await workerRow('e2e-busy-worker').locator(`a[href="?job=${held}"]`).count() === 1,
        'a worker that claimed a run shows busy, live, with the run it holds');
  const [done, failedRuns] = psql(`SELECT completed || ' ' || failed FROM cadence.workers WHERE worker = 'e2e-worker'`).split(' ');
  await page.waitForFunction(([d, f]) => {
    const cells = document.querySelectorAll('#workers-table tr[data-worker="e2e-worker"] td');
    return cells.length > 6 && cells[5].textContent === d && cells[6].textContent === f;
  }, [done, failedRuns]);
  check(Number(done) >= 2, `a worker's completed (${done}) and failed (${failedRuns}) runs are those of cadence.workers`);
  check(await page.locator('#workers-table td:nth-child(2)', { hasText: 'executor' }).count() >= 1,
        'the executors that ran SQL jobs are listed too');
  await workerRow('e2e-busy-worker').locator(`a[href="?job=${held}"]`).click();
  await page.locator('#detail:not([hidden])').waitFor();
  check((await page.locator('#detail-title').textContent()).startsWith(`Job ${held}`), "a worker's run opens the job");
  await page.locator('#detail-close').click();
  await page.locator('#workers').screenshot({ path: screenshot.replace(/\.png$/, '') + '-workers.png' });
  await page.locator('main').screenshot({ path: screenshot.replace(/\.png$/, '') + '-list.png' });
  await page.evaluate(() => { workers.gone_after_seconds = 1; renderWorkers(); });
  await page.waitForTimeout(1100);
  await page.evaluate(() => renderWorkers());
  check(await workerRow('e2e-worker').locator('.worker-state[data-state="gone"]').count() === 1,
        'a worker not seen for longer than the setting turns gone as time passes');
  // 12. Live progress: a heartbeat that moves the progress moves the job's bar and
  // its open panel, without an event and without a reload.
  await row(held).locator('td').nth(1).click();
  await page.locator('#detail-progress').waitFor();
  psql(`SELECT cadence.heartbeat(${held}, 'e2e-busy-worker', 40)`);
  await page.waitForFunction((id) =>
    document.querySelector(`tr.job[data-job-id="${id}"] .progress > div`)?.style.width === '40%', held);
  await page.waitForFunction(() => document.getElementById('detail-progress').textContent === '40%');
  psql(`SELECT cadence.heartbeat(${held}, 'e2e-busy-worker', 75.5)`);
  await page.waitForFunction((id) =>
    document.querySelector(`tr.job[data-job-id="${id}"] .progress > div`)?.style.width === '75.5%', held);
  check(await page.evaluate(() => window.__notReloaded === true) &&
        (await page.locator('#detail-progress').textContent()) === '75.5%',
        "a heartbeat's progress moves the job's bar and its panel live (40 %, then 75.5 %)");
  await page.screenshot({ path: screenshot.replace(/\.png$/, '') + '-progress.png' });
  await page.locator('#detail-close').click();
  psql(`SELECT cadence.complete(${held}, 'e2e-busy-worker')`);
  await workerRow('e2e-busy-worker').locator('.worker-state[data-state="idle"], .worker-state[data-state="gone"]').waitFor();
  check(true, 'completing its run makes the worker no longer busy');

  // 9. A network blip. A second page reaches the gateway through a proxy whose
  // connections the test cuts. Meanwhile a transaction that took its event id
  // before the page's last event commits: the page's EventSource reconnects with
  // the Last-Event-ID it was given (a stream position) and shows that job too.
  const gateway = new URL(base);
  const cut = new Set();
  const proxy = createServer((client) => {
    const upstream = connect(Number(gateway.port), gateway.hostname);
    for (const [a, b] of [[client, upstream], [upstream, client]]) {
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
      cut.add(a);
    }
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const blipPage = await (await browser.newContext()).newPage();
    blipPage.setDefaultTimeout(timeout);
    await blipPage.goto(`http://127.0.0.1:${proxy.address().port}/`);
    await blipPage.locator('#connection[data-state="live"]').waitFor();
    const late = spawn('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let lateOut = '';
    late.stdout.on('data', (chunk) => { lateOut += chunk; });
    late.stdin.write(`BEGIN;\nSELECT cadence.create_job('e2e late', cadence.once(now() + interval '1 hour'));\n`);
    const deadline = Date.now() + timeout;
    while (!/^\d+$/m.test(lateOut) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lateJob = lateOut.trim();
    const early = psql(`SELECT cadence.create_job('e2e early', cadence.once(now() + interval '1 hour'))`);
    await blipPage.locator(`tr.job[data-job-id="${early}"]`).waitFor();
    check(Number(early) > Number(lateJob), `the page shows a job (${early}) created after the open transaction's (${lateJob})`);
    for (const socket of cut) socket.destroy();
    cut.clear();
    await blipPage.locator('#connection[data-state="down"]').waitFor();
    late.stdin.end('COMMIT;\n');
    await new Promise((resolve) => late.on('close', resolve));
    await blipPage.locator('#connection[data-state="live"]').waitFor();
    await blipPage.locator(`tr.job[data-job-id="${lateJob}"][data-status="scheduled"]`).waitFor();
    check(true, 'after the blip the page shows the job whose transaction committed late');
  } finally {
    for (const socket of cut) socket.destroy();
    proxy.close();
  }

  // 13. A long life: the page is fed 100,000 events (two transactions of 50,000 new
  // jobs: the gateway streams each of their events) and keeps its size: the JS heap
  // after a garbage collection grows by under 10 MB, the list keeps 200 rows, and
  // it is still right (the newest job on top).
  const longLived = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  longLived.setDefaultTimeout(timeout);
  const longErrors = [];
  longLived.on('pageerror', (error) => longErrors.push(error.message));
  await longLived.goto(`${base}/`);
  await longLived.locator('#connection[data-state="live"]').waitFor();
  await longLived.locator('tr.job').first().waitFor();
  const cdp = await longLived.context().newCDPSession(longLived);
  const heapAfterGc = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const heapBefore = await heapAfterGc();
  const eventsBefore = Number(await longLived.locator('#connection').getAttribute('data-events') ?? 0);
  const fed = 100000;
  const started = Date.now();
  for (let i = 0; i < 2; i += 1)
    psql(`SELECT count(*) FROM cadence.create_jobs(array(SELECT 'e2e flood ' || g FROM generate_series(${i * fed / 2 + 1}, ${(i + 1) * fed / 2}) g),
                                                   cadence.once(now() + interval '1 hour'), queue => 'e2e-flood')`);
  const newest = psql(`SELECT max(id) FROM cadence.jobs`);
  await longLived.waitForFunction((n) => Number(document.getElementById('connection').dataset.events ?? 0) >= n,
                                  eventsBefore + fed, { timeout: 180000 });
  const feedSeconds = (Date.now() - started) / 1000;
  await longLived.locator(`tr.job[data-job-id="${newest}"] >> text=e2e flood ${fed}`).waitFor({ timeout: 60000 });
  await longLived.waitForFunction(() => !readingStale && stale.size === 0);
  const heapAfter = await heapAfterGc();
  const grownMb = (heapAfter - heapBefore) / 1048576;
  console.log(`# heap ${(heapBefore / 1048576).toFixed(1)} MB before, ${(heapAfter / 1048576).toFixed(1)} MB after ` +
              `${fed} events (${feedSeconds.toFixed(1)} s to receive them)`);
  check(grownMb < 10, `after ${fed} events the JS heap grew by ${grownMb.toFixed(2)} MB (under 10 MB)`);
  const rows = await longLived.locator('tr.job').count();
  check(rows <= 200, `the list keeps ${rows} rows (at most 200)`);
  const firstScheduled = await longLived.locator('tr.job[data-status="scheduled"]').first().getAttribute('data-job-id');
  check(firstScheduled === newest && !(await longLived.locator('#more').isHidden()),
        'the newest job heads the scheduled ones, and "Load more" goes on after the last row');
  check(longErrors.length === 0, `no script errors while fed${longErrors.length ? ': ' + longErrors.join('; ') : ''}`);
} catch (error) {
  check(false, `the page test stopped: ${error.message.split('\n')[0]}`);
} finally {
  await browser.close();
}
done();
