import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { pollUntil, SERVER_START_MS } from '../../support/eventually.ts';
import { buildApp } from '../../../src/app.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { findTenant, setTenantStatus } from '../../../src/platform/tenants.repository.ts';
import { insertJob, markJobRunning } from '../../../src/platform/admin-jobs.repository.ts';
import { JobRunner } from '../../../src/routes/admin/job-runner.ts';
import { AppError } from '../../../src/errors.ts';

const TOKEN = crypto.randomBytes(32).toString('base64url');
const auth = { authorization: `Bearer ${TOKEN}` };
let platform: TestPlatform;
let app: FastifyInstance;
let acme: string;

beforeAll(async () => {
  platform = await openTestPlatform(testConfig({ TANSU_ADMIN_TOKEN: TOKEN }));
  app = await buildApp({ platform });
  await app.ready();
  acme = uniqueTenantId('ops');
  await createTenant(platform, { id: acme });
});
afterAll(async () => {
  await app?.close();
  await platform?.destroy();
});

type Method = 'GET' | 'POST' | 'DELETE';
async function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const response = await app.inject({ method, url, headers: { ...auth, ...headers }, ...(payload !== undefined && { payload: payload as object }) });
  return { status: response.statusCode, headers: response.headers, body: response.body ? response.json() : undefined };
}

const finished = (status: string) => status === 'succeeded' || status === 'failed';
async function waitForJob(id: string) {
  const answer = await pollUntil(() => call('GET', `/admin/v1/jobs/${id}`), (a) => a.status !== 200 || finished(a.body.job.status), SERVER_START_MS);
  expect(answer.status).toBe(200);
  return answer.body.job;
}

describe('routes and bad input', () => {
  it('answers an unknown path under /admin/v1 after authenticating: 401 without a token, 404 JSON with one', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/admin/v1/nothing-here' });
    expect(anonymous.statusCode).toBe(401);
    const known = await call('GET', '/admin/v1/nothing-here');
    expect(known.status).toBe(404);
    expect(known.body).toEqual({ error: 'not_found', error_description: 'no platform admin API route for GET /admin/v1/nothing-here' });
  });

  it('no longer serves the unversioned /admin/tenants', async () => {
    const old = await call('GET', '/admin/tenants');
    expect(old.status).toBe(404);
    expect(old.body.error).toBe('not_found');
  });

  it.each([
    ['POST', '/admin/v1/tenants/Not_Valid/move', { to: 'main' }],
    ['POST', '/admin/v1/tenants/Not_Valid/recover', undefined],
    ['GET', '/admin/v1/tenants/Not_Valid/keys', undefined],
    ['POST', '/admin/v1/tenants/Not_Valid/keys/rotate', {}],
    ['GET', '/admin/v1/tenants/Not_Valid/backup', undefined],
  ] as const)('%s %s answers invalid_tenant_id', async (method, url, payload) => {
    const response = await call(method, url, payload);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_tenant_id');
  });

  it.each([
    ['POST', '/admin/v1/tenants/nobody-here/move', { to: 'main' }],
    ['POST', '/admin/v1/tenants/nobody-here/recover', undefined],
    ['GET', '/admin/v1/tenants/nobody-here/keys', undefined],
    ['POST', '/admin/v1/tenants/nobody-here/keys/rotate', {}],
    ['GET', '/admin/v1/tenants/nobody-here/backup', undefined],
  ] as const)('%s %s answers tenant_not_found', async (method, url, payload) => {
    const response = await call(method, url, payload);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'tenant_not_found', error_description: 'tenant "nobody-here" does not exist' });
  });

  it.each([
    ['move: an unknown field', 'POST', '/tenants/ID/move', { to: 'main', when: 'now' }, 'body.when is not a known field'],
    ['move: no target', 'POST', '/tenants/ID/move', {}, 'body.to is required'],
    ['rotate: an unknown field', 'POST', '/tenants/ID/keys/rotate', { graceDays: 1 }, 'body.graceDays is not a known field'],
    ['rotate: a negative grace', 'POST', '/tenants/ID/keys/rotate', { grace_days: -1 }, 'body.grace_days must be >= 0'],
    ['cluster: an unknown field', 'POST', '/clusters', { name: 'c2', url: 'postgres://x@y/postgres', password: 'x' }, 'body.password is not a known field'],
    ['cluster: no url', 'POST', '/clusters', { name: 'c2' }, 'body.url is required'],
    ['fleet: an unknown field', 'POST', '/fleet/migrate', { dry_run: true }, 'body.dry_run is not a known field'],
    ['fleet: concurrency 0', 'POST', '/fleet/migrate', { concurrency: 0 }, 'body.concurrency must be >= 1'],
    ['admin tenant: an unknown field', 'POST', '/admin-tenant', { id: 'admin' }, 'body.id is not a known field'],
    ['jobs: an unknown filter', 'GET', '/jobs?state=running', undefined, 'query.state is not a known field'],
    ['jobs: an unknown kind', 'GET', '/jobs?kind=backup', undefined, 'query.kind'],
    ['jobs: limit 0', 'GET', '/jobs?limit=0', undefined, 'query.limit must be >= 1'],
    ['restore: an unknown option', 'POST', '/tenants/ID/restore?overwrite=1', undefined, 'query.overwrite is not a known field'],
  ] as const)('%s: 400 invalid_request naming it', async (_name, method, path, payload, description) => {
    const response = await call(method, `/admin/v1${path.replace('ID', acme)}`, payload);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.body.error_description).toContain(description);
  });

  it('refuses a move that cannot start before accepting a job: same cluster, unknown cluster, busy tenant', async () => {
    const same = await call('POST', `/admin/v1/tenants/${acme}/move`, { to: 'main' });
    expect(same.status).toBe(400);
    expect(same.body.error).toBe('same_cluster');
    const unknown = await call('POST', `/admin/v1/tenants/${acme}/move`, { to: 'nowhere' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('cluster_not_found');
    const busy = uniqueTenantId('busy');
    await createTenant(platform, { id: busy });
    await setTenantStatus(platform.db, busy, 'maintenance');
    const refused = await call('POST', `/admin/v1/tenants/${busy}/move`, { to: 'nowhere' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('tenant_busy');
    expect((await call('GET', `/admin/v1/jobs?tenant=${busy}`)).body.jobs).toEqual([]);
  });

  it('judges job ids: invalid_job_id for what is not one, job_not_found for one that names none, invalid_cursor for a made-up cursor', async () => {
    const invalid = await call('GET', '/admin/v1/jobs/42');
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('invalid_job_id');
    const unknown = await call('GET', `/admin/v1/jobs/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('job_not_found');
    const cursor = await call('GET', '/admin/v1/jobs?cursor=not-ours');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toBe('invalid_cursor');
  });
});

describe('clusters', () => {
  it('lists the clusters with redacted URLs, and refuses what `tansu cluster` refuses', async () => {
    const listed = await call('GET', '/admin/v1/clusters');
    expect(listed.status).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    const main = listed.body.clusters.find((cluster: { name: string }) => cluster.name === 'main');
    expect(main).toMatchObject({ name: 'main', pooled_url: null, tenants: expect.any(Number) });
    expect(main.tenants).toBeGreaterThanOrEqual(1);

    const cases: Array<[unknown, number, string]> = [
      [{ name: 'Bad Name', url: 'postgres://u:p@127.0.0.1:1/postgres' }, 400, 'invalid_cluster_name'],
      [{ name: 'c2', url: 'http://example.test' }, 400, 'invalid_cluster_url'],
      [{ name: 'main', url: 'postgres://u:p@127.0.0.1:1/postgres' }, 409, 'cluster_exists'],
      [{ name: 'c2', url: 'postgres://u:secret@127.0.0.1:1/postgres' }, 502, 'cluster_unreachable'],
    ];
    for (const [body, status, code] of cases) {
      const response = await call('POST', '/admin/v1/clusters', body);
      expect(response.status, code).toBe(status);
      expect(response.body.error, code).toBe(code);
      expect(JSON.stringify(response.body)).not.toContain('secret');
    }
    const main2 = await call('DELETE', '/admin/v1/clusters/main');
    expect(main2.status).toBe(409);
    expect(main2.body.error).toBe('cluster_main');
    const nowhere = await call('DELETE', '/admin/v1/clusters/nowhere');
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error).toBe('cluster_not_found');
  });
});

describe('tenants: keys and recovery', () => {
  it("lists a tenant's keys, rotates them (the next key signs) and the listing shows it", async () => {
    const before = await call('GET', `/admin/v1/tenants/${acme}/keys`);
    expect(before.status).toBe(200);
    expect(before.body.policy).toEqual({ rotate_every_days: expect.any(Number), grace_days: expect.any(Number) });
    const next = before.body.keys.find((key: { state: string }) => key.state === 'next');
    const active = before.body.keys.find((key: { state: string }) => key.state === 'active');
    expect(next && active).toBeTruthy();

    const rotated = await call('POST', `/admin/v1/tenants/${acme}/keys/rotate`, { grace_days: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ activated: next.kid, retired: active.kid, next: expect.any(String), removed: [] });
    const graceMs = new Date(rotated.body.unpublish_at).getTime() - Date.now();
    expect(graceMs).toBeGreaterThan(86_400_000);
    expect(graceMs).toBeLessThanOrEqual(2 * 86_400_000);

    const after = await call('GET', `/admin/v1/tenants/${acme}/keys`);
    const states = Object.fromEntries(after.body.keys.map((key: { kid: string; state: string }) => [key.kid, key.state]));
    expect(states[next.kid]).toBe('active');
    expect(states[active.kid]).toBe('retired');

    // A body is optional: the tenant's own grace period applies.
    const bare = await app.inject({ method: 'POST', url: `/admin/v1/tenants/${acme}/keys/rotate`, headers: auth });
    expect(bare.statusCode).toBe(200);
    expect(bare.json().activated).toBe(rotated.body.next);
  });

  it('recovers a tenant left in maintenance, and refuses one that is not', async () => {
    const active = await call('POST', `/admin/v1/tenants/${acme}/recover`);
    expect(active.status).toBe(409);
    expect(active.body.error).toBe('tenant_not_in_maintenance');
    const stuck = uniqueTenantId('stuck');
    await createTenant(platform, { id: stuck });
    await setTenantStatus(platform.db, stuck, 'maintenance');
    const recovered = await call('POST', `/admin/v1/tenants/${stuck}/recover`);
    expect(recovered.status).toBe(200);
    expect(recovered.body).toMatchObject({ tenant: { id: stuck, status: 'active' }, leftovers: expect.any(Array) });
    expect((await findTenant(platform.db, stuck))?.status).toBe('active');
  });
});

describe('jobs', () => {
  it('runs a fleet migration as a job: 202 with Location, progress counting tenants, the report as result', async () => {
    const accepted = await call('POST', '/admin/v1/fleet/migrate', { concurrency: 2 });
    expect(accepted.status).toBe(202);
    const { job } = accepted.body;
    expect(job).toMatchObject({ kind: 'migrate_fleet', tenant: null, params: { concurrency: 2 }, created_by: 'token', result: null, error: null });
    expect(['queued', 'running']).toContain(job.status);
    expect(accepted.headers.location).toBe(`/admin/v1/jobs/${job.id}`);

    const done = await waitForJob(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.error).toBeNull();
    expect(done.result).toMatchObject({ failed: 0, platform: { applied: [] }, templates: [{ cluster: 'main', status: expect.any(String) }] });
    const tenants = done.result.tenants.map((tenant: { tenant: string }) => tenant.tenant);
    expect(tenants).toContain(acme);
    expect(done.progress).toEqual({ step: expect.any(String), done: tenants.length, total: tenants.length });
    expect(done.started_at).not.toBeNull();
    expect(done.finished_at).not.toBeNull();

    // A body is optional.
    const bare = await app.inject({ method: 'POST', url: '/admin/v1/fleet/migrate', headers: auth });
    expect(bare.statusCode).toBe(202);
    expect((await waitForJob(bare.json().job.id)).status).toBe('succeeded');
  });

  it('shows the progress a running job reports, then its result; a failure keeps its stable code', async () => {
    const runner = new JobRunner(platform);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started = await runner.start({
      kind: 'move',
      tenantId: acme,
      params: { to: 'elsewhere' },
      createdBy: 'token',
      async run(work) {
        const step = work.steps();
        step('freezing');
        step('copying');
        await gate;
        return { result: { moved: true } };
      },
    });
    const running = await pollUntil(
      () => call('GET', `/admin/v1/jobs/${started.id}`),
      (a) => a.body.job.progress.step === 'copying',
    );
    expect(running.body.job).toMatchObject({ status: 'running', progress: { step: 'copying', done: 1, total: null }, result: null });
    release();
    const done = await waitForJob(started.id);
    expect(done).toMatchObject({ status: 'succeeded', result: { moved: true }, error: null, progress: { step: 'copying', done: 2, total: null } });

    const failing = await runner.start({
      kind: 'restore', tenantId: acme, params: {}, createdBy: 'token',
      run: async () => { throw new AppError('backup_invalid', 'the uploaded file is not a usable Tansu backup', 400); },
    });
    expect(await waitForJob(failing.id)).toMatchObject({ status: 'failed', error: { code: 'backup_invalid', description: 'the uploaded file is not a usable Tansu backup' } });
    const crashing = await runner.start({
      kind: 'restore', tenantId: acme, params: {}, createdBy: 'token',
      run: async () => { throw new Error('connection reset by a secret host'); },
    });
    const crashed = await waitForJob(crashing.id);
    expect(crashed).toMatchObject({ status: 'failed', error: { code: 'job_failed' } });
    expect(JSON.stringify(crashed)).not.toContain('secret host');
    await runner.close();
  });

  it('reports a job whose node stopped beating as failed (interrupted), naming the recovery for a move', async () => {
    const move = await insertJob(platform.db, { kind: 'move', tenantId: acme, params: { to: 'c2' }, createdBy: 'token' });
    await markJobRunning(platform.db, move.id);
    const fleet = await insertJob(platform.db, { kind: 'migrate_fleet', tenantId: null, params: {}, createdBy: 'token' });
    const fresh = await call('GET', `/admin/v1/jobs/${move.id}`);
    expect(fresh.body.job).toMatchObject({ status: 'running', error: null });

    // The node died an hour ago: its last heartbeat is all that is left of it.
    await sql`UPDATE admin_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id IN (${move.id}, ${fleet.id})`.execute(platform.db);
    const moved = (await call('GET', `/admin/v1/jobs/${move.id}`)).body.job;
    expect(moved).toMatchObject({ status: 'failed', finished_at: null, error: { code: 'interrupted' } });
    expect(moved.error.description).toContain(`POST /admin/v1/tenants/${acme}/recover`);
    expect(moved.error.description).toContain(`tansu tenant recover ${acme}`);
    const queued = (await call('GET', `/admin/v1/jobs/${fleet.id}`)).body.job;
    expect(queued).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    const listed = (await call('GET', `/admin/v1/jobs?tenant=${acme}&kind=move`)).body.jobs;
    expect(listed.find((job: { id: string }) => job.id === move.id)).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
  });

  it('lists jobs newest first, a page at a time, filtered by kind and tenant', async () => {
    const tenant = uniqueTenantId('paged');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await insertJob(platform.db, { kind: 'restore', tenantId: tenant, params: { i }, createdBy: 'token' })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?tenant=${tenant}&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = await call('GET', `/admin/v1/jobs${query}`);
      expect(page.status).toBe(200);
      expect(page.body.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.jobs.map((job: { id: string }) => job.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
    expect((await call('GET', `/admin/v1/jobs?tenant=${tenant}&kind=move`)).body.jobs).toEqual([]);
  });
});

describe('restore: bad uploads', () => {
  const restore = (query: string, headers: Record<string, string>, payload?: string | Buffer) =>
    app.inject({ method: 'POST', url: `/admin/v1/tenants/${acme}/restore${query}`, headers: { ...auth, ...headers }, ...(payload !== undefined && { payload }) });

  it('takes only application/octet-stream (415 otherwise), needs a file, and refuses `as` the admin tenant before reading it', async () => {
    const json = await restore('', { 'content-type': 'application/json' }, '{"file":"x"}');
    expect(json.statusCode).toBe(415);
    expect(json.json().error).toBe('unsupported_media_type');
    const empty = await restore('', {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toBe('invalid_request');
    const emptyFile = await restore('', { 'content-type': 'application/octet-stream' }, Buffer.alloc(0));
    expect(emptyFile.statusCode).toBe(400);
    expect(emptyFile.json().error).toBe('invalid_request');
    const asAdmin = await restore('?as=admin', { 'content-type': 'application/octet-stream' }, Buffer.from('x'));
    expect(asAdmin.statusCode).toBe(400);
    expect(asAdmin.json()).toMatchObject({ error: 'invalid_tenant_id', error_description: expect.stringContaining('reserved') });
  });

  it('accepts a file that is no backup as a job, which fails with backup_invalid and leaves the tenant as it was', async () => {
    const accepted = await restore('?force=true', { 'content-type': 'application/octet-stream' }, crypto.randomBytes(4096));
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json().job).toMatchObject({ kind: 'restore', tenant: acme, params: { tenant: acme, force: true, bytes: 4096 } });
    const job = await waitForJob(accepted.json().job.id);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'backup_invalid' } });
    expect(job.error.description).toContain('the uploaded file');
    expect(job.error.description).not.toContain('/tmp');
    expect((await findTenant(platform.db, acme))?.status).toBe('active');
  });
});
