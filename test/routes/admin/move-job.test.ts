import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestPlatform, testConfig, uniqueTenantId, clusterUrl, type TestPlatform } from '../../support/platform.ts';
import { pollUntil, SERVER_START_MS } from '../../support/eventually.ts';
import { addTenantProbe, startSecondCluster, type SecondCluster } from '../../support/second-cluster.ts';
import { buildApp } from '../../../src/app.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { insertUser } from '../../../src/modules/users/users.repository.ts';
import { openTenantDatabase } from '../../../src/db/tenant-database.ts';
import { databaseUrl } from '../../../src/db/postgres.ts';

const TOKEN = crypto.randomBytes(32).toString('base64url');
const auth = { authorization: `Bearer ${TOKEN}` };
let second: SecondCluster;
let platform: TestPlatform;
let app: FastifyInstance;

beforeAll(async () => {
  second = await startSecondCluster();
  platform = await openTestPlatform(testConfig({ TANSU_ADMIN_TOKEN: TOKEN }));
  app = await buildApp({ platform });
  addTenantProbe(app);
  await app.ready();
  await app.tenantChanges.ready;
});
afterAll(async () => {
  await app?.close();
  await second?.stop();
  await platform?.destroy().catch(() => {});
});

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  const response = await app.inject({ method, url, headers: auth, ...(payload !== undefined && { payload: payload as object }) });
  return { status: response.statusCode, headers: response.headers, body: response.body ? response.json() : undefined };
}

interface JobSeen {
  status: string;
  progress: { step: string | null; done: number | null; total: number | null };
}

/** Follows a job as a client would, noting each distinct state it was seen in. */
async function follow(location: string): Promise<{ job: Record<string, any>; seen: JobSeen[] }> {
  const seen: JobSeen[] = [];
  const job = await pollUntil(
    async () => {
      const { job } = (await call('GET', location)).body;
      const last = seen.at(-1);
      if (!last || last.status !== job.status || last.progress.step !== job.progress.step) seen.push({ status: job.status, progress: job.progress });
      return job;
    },
    (job) => job.status === 'succeeded' || job.status === 'failed',
    SERVER_START_MS,
    10,
  );
  return { job, seen };
}

const probe = async (id: string) => (await app.inject({ method: 'GET', url: `/t/${id}/probe` })).json() as { port: number; emails: string[] };

describe('clusters and a move, as jobs', () => {
  it('adds a second cluster, moves a tenant there as a job with its progress, refuses to remove the cluster while it holds the tenant', async () => {
    const url = databaseUrl(second.url, 'postgres');
    const added = await call('POST', '/admin/v1/clusters', { name: 'c2', url });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ name: 'c2', url: expect.stringContaining(String(second.port)), pooled_url: null, tenants: 0 });
    const password = new URL(url).password;
    if (password) expect(JSON.stringify(added.body)).not.toContain(password);
    const twice = await call('POST', '/admin/v1/clusters', { name: 'c3', url });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('cluster_server_exists');
    const listed = (await call('GET', '/admin/v1/clusters')).body.clusters.map((cluster: { name: string }) => cluster.name);
    expect(listed).toEqual(['c2', 'main']);

    const id = uniqueTenantId('mover');
    const created = await createTenant(platform, { id, cluster: 'main' });
    const db = openTenantDatabase(clusterUrl(), created.tenant.database_name, 1);
    await insertUser(db, { email: 'kept@mover.test', passwordHash: null });
    await db.destroy();
    expect((await probe(id)).port).toBe(Number(new URL(clusterUrl()).port));

    const accepted = await call('POST', `/admin/v1/tenants/${id}/move`, { to: 'c2' });
    expect(accepted.status).toBe(202);
    expect(accepted.body.job).toMatchObject({ kind: 'move', tenant: id, params: { from: 'main', to: 'c2' }, created_by: 'token' });
    const { job, seen } = await follow(accepted.headers.location as string);

    expect(job).toMatchObject({
      status: 'succeeded',
      error: null,
      result: { tenant: id, from: 'main', to: 'c2', source_dropped: true, unavailable_ms: expect.any(Number) },
      progress: { step: `dropping ${created.tenant.database_name} on cluster main`, done: 4, total: null },
    });
    // Each state seen came after the one before: the steps only move forward.
    const done = seen.map((state) => state.progress.done ?? -1);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(seen.at(-1)!.status).toBe('succeeded');
    // The copy is the long step: a client following the job sees it under way.
    expect(seen).toContainEqual({ status: 'running', progress: { step: 'copying to cluster c2', done: 1, total: null } });

    const served = await pollUntil(() => probe(id), (answer) => answer.port === second.port);
    expect(served).toMatchObject({ port: second.port, emails: ['admin@' + id + '.localhost', 'kept@mover.test'] });

    const busy = await call('DELETE', '/admin/v1/clusters/c2');
    expect(busy.status).toBe(409);
    expect(busy.body.error).toBe('cluster_not_empty');

    // Back to main, then the empty cluster can go.
    const back = await call('POST', `/admin/v1/tenants/${id}/move`, { to: 'main' });
    expect((await follow(back.headers.location as string)).job).toMatchObject({ status: 'succeeded', result: { from: 'c2', to: 'main' } });
    const removed = await app.inject({ method: 'DELETE', url: '/admin/v1/clusters/c2', headers: auth });
    expect(removed.statusCode).toBe(204);
    expect((await call('GET', '/admin/v1/clusters')).body.clusters.map((cluster: { name: string }) => cluster.name)).toEqual(['main']);
  });
});
