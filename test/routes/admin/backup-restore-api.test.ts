import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUrl, uniqueTenantId } from '../../support/platform.ts';
import { openTenantDatabase, type TenantDb } from '../../../src/db/tenant-database.ts';
import { tenantDatabaseName, type TenantId } from '../../../src/platform/tenant-id.ts';
import { eventually, pollUntil, SERVER_START_MS } from '../../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { findTenant, setTenantStatus } from '../../../src/platform/tenants.repository.ts';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.ts';

const TOKEN = crypto.randomBytes(32).toString('base64url');
const auth = { authorization: `Bearer ${TOKEN}` };
let bed: OidcTestBed;
let acme: TestTenant;
let workDir: string;

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { TANSU_ADMIN_TOKEN: TOKEN } });
  acme = await createTestTenant(bed, uniqueTenantId('bk'));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-api-backups-'));
});
afterAll(async () => {
  await bed?.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

const api = (pathname: string) => `${bed.publicUrl}/admin/v1${pathname}`;

/** Downloads a backup to a file, as a client would: the body is written as it arrives. */
async function download(id: string): Promise<{ response: Response; file: string }> {
  const response = await fetch(api(`/tenants/${id}/backup`), { headers: auth });
  const file = path.join(workDir, `${id}-${crypto.randomBytes(3).toString('hex')}.tansu-backup`);
  if (response.ok) await pipeline(Readable.fromWeb(response.body as never), fs.createWriteStream(file));
  return { response, file };
}

/** Uploads a file as the body, streamed from disk. */
async function upload(id: string, file: string, query = '') {
  const response = await fetch(api(`/tenants/${id}/restore${query}`), {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: Readable.toWeb(fs.createReadStream(file)) as never,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as { job: Record<string, any> } };
}

async function waitForJob(location: string) {
  const read = async () => (await (await fetch(`${bed.publicUrl}${location}`, { headers: auth })).json()) as { job: Record<string, any> };
  return (await pollUntil(read, (answer) => ['succeeded', 'failed'].includes(answer.job.status), SERVER_START_MS)).job;
}

const discovery = (id: string) => fetch(`${bed.publicUrl}/t/${id}/.well-known/openid-configuration`);
const dumps = () => new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('tansu-backup-')));

describe('backup download → restore upload', () => {
  it('downloads the sealed file as a stream, uploads it as a copy, and the copy serves its discovery document', async () => {
    const { response, file } = await download(acme.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="${acme.id}-\\d{8}T\\d{6}Z\\.tansu-backup"$`));
    const bytes = fs.statSync(file).size;
    expect(Number(response.headers.get('content-length'))).toBe(bytes);
    expect(fs.readFileSync(file).subarray(0, 7).toString('latin1')).toBe('TANSUBK');
    const event = await bed.platform.db.selectFrom('platform_audit_events').selectAll().where('tenant_id', '=', acme.id).where('action', '=', 'tenant.backed_up').executeTakeFirst();
    expect(event).toMatchObject({ actor: 'platform-api:token', details: { bytes, to: 'download', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    const copy = uniqueTenantId('copy');
    const accepted = await upload(acme.id, file, `?as=${copy}`);
    expect(accepted.status).toBe(202);
    expect(accepted.location).toBe(`/admin/v1/jobs/${accepted.body.job.id}`);
    expect(accepted.body.job).toMatchObject({ kind: 'restore', tenant: copy, params: { tenant: acme.id, as: copy, force: false, bytes } });

    const job = await waitForJob(accepted.location!);
    expect(job).toMatchObject({ status: 'succeeded', error: null, result: { tenant: copy, cluster: 'main', status: 'active', replaced: false, signing_keys: 2 } });
    expect(job.progress.step).toEqual(expect.any(String));
    expect(job.progress.done).toBeGreaterThan(0);
    expect(JSON.stringify(job)).not.toContain(os.tmpdir());

    const served = await discovery(copy);
    expect(served.status).toBe(200);
    expect(((await served.json()) as { issuer: string }).issuer).toBe(`${bed.publicUrl}/t/${copy}`);
    // The copy has the original's users.
    const copyDb = openTenantDatabase(clusterUrl(), tenantDatabaseName(copy as TenantId), 1);
    bed.tenantDbs.push(copyDb);
    const emails = (db: TenantDb) => db.selectFrom('users').select('email').orderBy('email').execute();
    expect(await emails(copyDb)).toEqual(await emails(acme.db));
  });

  it('restores in place only with force, and refuses a file of another tenant', async () => {
    const { file } = await download(acme.id);
    const refused = await upload(acme.id, file);
    expect(refused.status).toBe(202);
    expect(await waitForJob(refused.location!)).toMatchObject({ status: 'failed', error: { code: 'tenant_exists' } });

    const replaced = await upload(acme.id, file, '?force=true');
    expect(await waitForJob(replaced.location!)).toMatchObject({ status: 'succeeded', result: { tenant: acme.id, replaced: true } });
    await eventually(async () => (await discovery(acme.id)).status === 200, 'the restored tenant serving again');

    const other = uniqueTenantId('other');
    const mismatch = await upload(other, file);
    expect(await waitForJob(mismatch.location!)).toMatchObject({ status: 'failed', error: { code: 'backup_tenant_mismatch' } });
    expect(await findTenant(bed.platform.db, other)).toBeUndefined();
  });

  it('refuses to back up a tenant in maintenance, and removes the dump of a download the client abandons', async () => {
    const busy = await createTestTenant(bed, uniqueTenantId('busy'));
    await setTenantStatus(bed.platform.db, busy.id, 'maintenance');
    const refused = await fetch(api(`/tenants/${busy.id}/backup`), { headers: auth });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toBe('tenant_busy');

    const before = dumps();
    const abandon = new AbortController();
    const response = await fetch(api(`/tenants/${acme.id}/backup`), { headers: auth, signal: abandon.signal });
    expect(response.status).toBe(200);
    // The dump is on disk while the file is sent.
    const ours = [...dumps()].filter((name) => !before.has(name));
    expect(ours).toHaveLength(1);
    const reader = response.body!.getReader();
    await reader.read();
    abandon.abort();
    await reader.read().catch(() => {});
    await eventually(() => !dumps().has(ours[0]!), "the abandoned download's dump to be removed");
  });
});

describe('an upload over RESTORE_UPLOAD_MAX_BYTES', () => {
  const LIMIT = 64 * 1024;
  let small: FastifyInstance;
  let smallUrl: string;
  beforeAll(async () => {
    small = await buildApp({ platform: { ...bed.platform, config: { ...bed.platform.config, restoreUploadMaxBytes: LIMIT } } });
    smallUrl = await small.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await small?.close();
  });

  const send = (as: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${smallUrl}/admin/v1/tenants/${acme.id}/restore?as=${as}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  it('is refused with 413 before it is stored, whether it declares its length or turns out longer, and the connection closes', async () => {
    const declared = uniqueTenantId('too-big');
    const refused = await send(declared, new Uint8Array(LIMIT + 1));
    expect(refused.status).toBe(413);
    expect(refused.headers.get('connection')).toBe('close');
    expect(await refused.json()).toMatchObject({ error: 'payload_too_large', error_description: expect.stringContaining(`${LIMIT} bytes`) });

    // Chunked: no Content-Length, so the limit is met while the body streams in.
    const chunked = uniqueTenantId('too-long');
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024));
        if (sent >= 16 * LIMIT) controller.close();
      },
    });
    const cut = await send(chunked, endless);
    expect(cut.status).toBe(413);
    expect(await cut.json()).toMatchObject({ error: 'payload_too_large' });

    for (const id of [declared, chunked]) expect(await findTenant(bed.platform.db, id)).toBeUndefined();
    const jobs = (await (await fetch(`${smallUrl}/admin/v1/jobs?kind=restore&limit=100`, { headers: auth })).json()) as { jobs: Array<{ tenant: string }> };
    for (const id of [declared, chunked]) expect(jobs.jobs.map((job) => job.tenant)).not.toContain(id);

    // Within the limit the same server takes it (the job then fails on the seal: these bytes are no backup).
    const accepted = await send(uniqueTenantId('small-enough'), new Uint8Array(LIMIT));
    expect(accepted.status).toBe(202);
  });
});
