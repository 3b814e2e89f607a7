// The OpenAPI document that `cadence serve` serves at /api/v1/openapi.json is a
// valid OpenAPI 3 document (swagger-parser validates it and resolves its $refs),
// and every operation it documents answers on a live gateway with a status it
// documents. Prints TAP.
//
// Environment: CADENCE_URL (the gateway), PG* for psql (the gateway's database).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { check, done } from './tap.mjs';

const base = process.env.CADENCE_URL;
if (!base) throw new Error('set CADENCE_URL to the gateway, e.g. http://127.0.0.1:8080');
const psql = (sql) => execFileSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();

try {
  const served = await (await fetch(`${base}/api/v1/openapi.json`)).json();
  const doc = await SwaggerParser.validate(structuredClone(served));
  check(true, `the served document is valid OpenAPI ${doc.openapi} (swagger-parser), its $refs resolved`);

  // Each documented operation, on a job of its own where it needs one; DELETE last.
  const job = () => psql(`SELECT cadence.create_job('openapi ' || clock_timestamp(), cadence.every('1 hour'), queue => 'openapi')`);
  const bodies = {
    'post /api/v1/jobs': { name: 'openapi created', trigger: { kind: 'interval', period_seconds: 3600 }, queue: 'openapi' },
    'patch /api/v1/jobs/{id}': { max_attempts: 7 },
  };
  const operations = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of Object.keys(item).filter((k) => k !== 'parameters')) operations.push([path, method]);
  operations.sort(([, a], [, b]) => (a === 'delete') - (b === 'delete'));
  for (const [path, method] of operations) {
    const id = path.includes('{id}') ? job() : null;
    const url = `${base}${path.replace('{id}', id)}`;
    const body = bodies[`${method} ${path}`];
    const controller = new AbortController();
    const response = await fetch(url, {
      method: method.toUpperCase(), signal: controller.signal,
      headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    const documented = Object.keys(doc.paths[path][method].responses);
    const type = response.headers.get('content-type') ?? '';
    // A stream answers with its headers and goes on: that is enough here.
    if (type.startsWith('text/event-stream')) controller.abort(); else await response.text();
    check(documented.includes(String(response.status)) && response.status < 300,
          `${method.toUpperCase()} ${path} answers ${response.status} (${type || 'no body'}), a status it documents`);
  }
  // And each one that takes input refuses bad input with a status it documents.
  const bad = {
    'post /api/v1/jobs': { body: { name: 'no trigger' }, status: 400 },
    'patch /api/v1/jobs/{id}': { body: {}, status: 400 },
  };
  for (const [path, method] of operations) {
    const badBody = bad[`${method} ${path}`];
    if (!path.includes('{id}') && !badBody) continue;
    const response = await fetch(`${base}${path.replace('{id}', path.includes('{id}') && !badBody ? 'x' : job())}`, {
      method: method.toUpperCase(),
      headers: badBody ? { 'Content-Type': 'application/json' } : {}, body: badBody ? JSON.stringify(badBody.body) : undefined,
    });
    await response.text();
    const documented = Object.keys(doc.paths[path][method].responses);
    check(response.status === 400 && documented.includes('400'),
          `${method.toUpperCase()} ${path} with ${badBody ? 'a bad body' : 'a malformed id'} answers ${response.status}, documented`);
  }
  const unknown = await fetch(`${base}/api/v1/nothing-here`);
  check(unknown.status === 404, 'a path it does not document is a 404');

  // docs/serve.md, the reference people read, names every documented operation and no other.
  const reference = readFileSync(new URL('../../docs/serve.md', import.meta.url), 'utf8');
  const inReference = new Set([...reference.matchAll(/`(GET|POST|PATCH|DELETE) (\/api\/v1\/[^`?\s]*)/g)]
    .map(([, method, path]) => `${method} ${path}`));
  const inDocument = new Set(operations.map(([path, method]) => `${method.toUpperCase()} ${path}`));
  const missing = [...inDocument].filter((op) => !inReference.has(op));
  const extra = [...inReference].filter((op) => !inDocument.has(op));
  check(missing.length === 0 && extra.length === 0,
        `docs/serve.md lists the document's ${inDocument.size} operations and no other` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') + (extra.length ? `; not documented: ${extra.join(', ')}` : ''));
} catch (error) {
  check(false, `the OpenAPI test stopped: ${error.message.split('\n')[0]}`);
}
done();
