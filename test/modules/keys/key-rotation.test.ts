import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { openTestPlatform, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { eventually } from '../../support/eventually.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { loadPublishedKeySet, openPrivateJwk } from '../../../src/modules/keys/signing-keys.ts';
import { writeRotationPolicy } from '../../../src/modules/keys/key-rotation.ts';
import { listTenantKeys, rotateTenantKeys } from '../../../src/modules/keys/keys.service.ts';
import { sweepKeyRotations } from '../../../src/jobs/key-rotation.schedule.ts';
import { withTenantScope } from '../../../src/platform/tenant-access.ts';
import { listenForTenantChanges, type TenantChange } from '../../../src/platform/notifications.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { RETENTION_BOUNDS } from '../../../src/modules/settings/setting-bounds.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
const keysOf = (id: string) => withTenantScope(platform, id, listTenantKeys);
const rotate = (id: string, options: { graceSeconds?: number } = {}) => withTenantScope(platform, id, (scope) => rotateTenantKeys(scope, options, TEST_ACTOR));

/** The keys published now, or at the instant `at` when given. */
const published = (id: string, at?: Date) => withTenantScope(platform, id, ({ db }) => loadPublishedKeySet(db, id, platform.secrets, at).then((set) => set.jwks));

/** What a resource server sees: the public halves of the published keys. */
async function jwks(id: string, at?: Date) {
  const keys = (await published(id, at)).map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use }) as JWK);
  return createLocalJWKSet({ keys });
}

/** Signs like the provider does: with the first published key (the active one). */
async function signToken(id: string): Promise<string> {
  const [active] = await published(id);
  return new CompactSign(new TextEncoder().encode(JSON.stringify({ sub: 'u1', iss: id })))
    .setProtectedHeader({ alg: 'RS256', kid: active!.kid! })
    .sign(await importJWK(active!, 'RS256'));
}

const verifies = async (id: string, token: string, at?: Date) => compactVerify(token, await jwks(id, at)).then(() => true, () => false);
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('signing key rotation', () => {
  it('a new tenant publishes an active key and a next key, active first', async () => {
    const id = uniqueTenantId('keys');
    await createTenant(platform, { id });
    const { keys, policy } = await keysOf(id);
    expect(policy).toEqual({ rotateEveryDays: 30, graceDays: 7 });
    expect(keys.map((k) => k.state).sort()).toEqual(['active', 'next']);
    expect(keys.every((k) => k.published && k.alg === 'RS256')).toBe(true);
    const order = await published(id);
    expect(order[0]!.kid).toBe(keys.find((k) => k.state === 'active')!.kid);
  });

  it('rotation: next signs from now on, the old key keeps verifying through its grace period, then is removed', async () => {
    const id = uniqueTenantId('rot');
    await createTenant(platform, { id });
    const before = await keysOf(id);
    const oldActive = before.keys.find((k) => k.state === 'active')!.kid;
    const oldNext = before.keys.find((k) => k.state === 'next')!.kid;
    const tokenBefore = await signToken(id);
    expect(kidOf(tokenBefore)).toBe(oldActive);

    const changes: TenantChange[] = [];
    const listener = listenForTenantChanges(platform.platformUrl, (c) => changes.push(c), () => {}, platform.log);
    await listener.ready;
    const outcome = await rotate(id);
    expect(outcome).toMatchObject({ activated: oldNext, retired: oldActive, removed: [] });
    expect(outcome.unpublishAt!.getTime() - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);

    const after = await keysOf(id);
    expect(Object.fromEntries(after.keys.map((k) => [k.kid, k.state]))).toEqual({ [oldActive]: 'retired', [oldNext]: 'active', [outcome.next]: 'next' });
    const tokenAfter = await signToken(id);
    expect(kidOf(tokenAfter)).toBe(oldNext);
    expect(await verifies(id, tokenBefore)).toBe(true);
    expect(await verifies(id, tokenAfter)).toBe(true);
    await eventually(() => changes.some((c) => c.tenant === id), 'the keys notification');
    expect(changes).toContainEqual({ tenant: id, kind: 'keys' });
    await listener.close();

    // Grace over: the retired key leaves the JWKS, and the sweep removes it for good.
    await withTenantScope(platform, id, ({ db }) =>
      db.updateTable('signing_keys').set({ unpublish_at: new Date(Date.now() - 1000) }).where('kid', '=', oldActive).execute(),
    );
    expect(await verifies(id, tokenBefore)).toBe(false);
    expect(await verifies(id, tokenAfter)).toBe(true);
    const sweep = await sweepKeyRotations(platform);
    expect(sweep.ran).toBe(true);
    expect(sweep.pruned).toContain(id);
    expect((await keysOf(id)).keys.map((k) => k.kid)).not.toContain(oldActive);
  });

  it('a tiny grace period ends publication after that time', async () => {
    const id = uniqueTenantId('grace');
    await createTenant(platform, { id });
    const token = await signToken(id);
    const { retired, unpublishAt } = await rotate(id, { graceSeconds: 0.5 });
    const key = (await keysOf(id)).keys.find((k) => k.kid === retired)!;
    expect(unpublishAt!.getTime() - key.retired_at!.getTime()).toBe(500);
    // Judged at fixed instants: "right after the rotation" on the wall clock may already be past
    // half a second on a busy machine.
    expect(await verifies(id, token, key.retired_at!)).toBe(true);
    expect(await verifies(id, token, new Date(unpublishAt!.getTime() - 1))).toBe(true);
    expect(await verifies(id, token, unpublishAt)).toBe(false);
    // And on the real clock, once the grace has passed (time only moves forward, so this holds).
    await new Promise((r) => setTimeout(r, Math.max(0, unpublishAt!.getTime() - Date.now()) + 50));
    expect(await verifies(id, token)).toBe(false);
  });

  it('the schedule rotates only tenants whose active key is older than their policy allows', async () => {
    const due = uniqueTenantId('due');
    const fresh = uniqueTenantId('fresh');
    await createTenant(platform, { id: due });
    await createTenant(platform, { id: fresh });
    await withTenantScope(platform, due, async ({ db }) => {
      await writeRotationPolicy(db, { rotateEveryDays: 2, graceDays: 1 });
      await db.updateTable('signing_keys').set({ activated_at: new Date(Date.now() - 3 * 86_400_000) }).where('state', '=', 'active').execute();
    });
    const dueActive = (await keysOf(due)).keys.find((k) => k.state === 'active')!.kid;

    const sweep = await sweepKeyRotations(platform);
    expect(sweep.rotated).toContain(due);
    expect(sweep.rotated).not.toContain(fresh);
    const keys = (await keysOf(due)).keys;
    const retired = keys.find((k) => k.kid === dueActive)!;
    expect(retired.state).toBe('retired');
    // Policy grace of 1 day.
    expect(Math.round((retired.unpublish_at!.getTime() - retired.retired_at!.getTime()) / 3_600_000)).toBe(24);
    expect((await sweepKeyRotations(platform)).rotated).not.toContain(due);
  });

  it('the schedule publishes a next key for a tenant that has none (created before rotation existed)', async () => {
    const id = uniqueTenantId('legacy');
    await createTenant(platform, { id });
    await withTenantScope(platform, id, ({ db }) => db.deleteFrom('signing_keys').where('state', '=', 'next').execute());
    const sweep = await sweepKeyRotations(platform);
    expect(sweep.nextAdded).toContain(id);
    expect((await keysOf(id)).keys.map((k) => k.state).sort()).toEqual(['active', 'next']);
    expect((await sweepKeyRotations(platform)).nextAdded).not.toContain(id);
  });

  it('the schedule deletes expired provider rows, and audit events and sign-in activity past their retention, of tenants no node serves', async () => {
    const id = uniqueTenantId('quiet');
    await createTenant(platform, { id });
    const hourAgo = new Date(Date.now() - 3_600_000);
    await withTenantScope(platform, id, async ({ db }) => {
      await db
        .insertInto('oidc_payloads')
        .values([
          { model: 'Session', id: 'expired', payload: JSON.stringify({}), expires_at: hourAgo, consumed_at: null },
          { model: 'Session', id: 'live', payload: JSON.stringify({}), expires_at: new Date(Date.now() + 3_600_000), consumed_at: null },
        ])
        .execute();
      await db
        .insertInto('login_attempts')
        .values([
          { identifier_hash: 'old', ip: '192.0.2.1', ip_bucket: '192.0.2.1', succeeded: false, reason: 'invalid_credentials', occurred_at: daysAgo(RETENTION_BOUNDS.loginActivity.default + 1) },
          { identifier_hash: 'recent', ip: '192.0.2.1', ip_bucket: '192.0.2.1', succeeded: false, reason: 'invalid_credentials', occurred_at: hourAgo },
        ])
        .execute();
      await db
        .insertInto('audit_events')
        .values([
          { actor: 'test', action: 'test.old', details: '{}', occurred_at: daysAgo(RETENTION_BOUNDS.auditEvents.default + 1) },
          { actor: 'test', action: 'test.recent', details: '{}', occurred_at: hourAgo },
        ])
        .execute();
    });
    const sweep = await sweepKeyRotations(platform);
    expect(sweep.failed).toEqual([]);
    expect(sweep.expiredRowsDeleted).toBeGreaterThanOrEqual(3);
    const left = await withTenantScope(platform, id, async ({ db }) => ({
      payloads: (await db.selectFrom('oidc_payloads').select('id').execute()).map((r) => r.id),
      attempts: (await db.selectFrom('login_attempts').select('identifier_hash').execute()).map((r) => r.identifier_hash),
      audit: (await db.selectFrom('audit_events').select('action').where('action', 'like', 'test.%').execute()).map((r) => r.action),
    }));
    expect(left).toEqual({ payloads: ['live'], attempts: ['recent'], audit: ['test.recent'] });
  });

  it('only one node sweeps at a time', async () => {
    const results = await platform.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(7411002, 2)`.execute(trx);
      return sweepKeyRotations(platform);
    });
    expect(results).toMatchObject({ ran: false, rotated: [] });
  });

  it('concurrent rotations of one tenant are serialised: one active, one next, every step retired', async () => {
    const id = uniqueTenantId('conc');
    await createTenant(platform, { id });
    await Promise.all([rotate(id), rotate(id), rotate(id)]);
    const states = (await keysOf(id)).keys.map((k) => k.state).sort();
    expect(states).toEqual(['active', 'next', 'retired', 'retired', 'retired']);
  });

  it('refuses invalid policies; rotating an unknown tenant is a clear error', async () => {
    const id = uniqueTenantId('pol');
    await createTenant(platform, { id });
    // Named as JSON and API callers name the fields; the CLI judges its own flags before calling.
    await expect(withTenantScope(platform, id, ({ db }) => writeRotationPolicy(db, { graceDays: -1 }))).rejects.toMatchObject({
      code: 'invalid_rotation_policy',
      message: 'grace_days must be a number of days from 0 to 3650',
    });
    await expect(withTenantScope(platform, id, ({ db }) => writeRotationPolicy(db, { rotateEveryDays: 0 }))).rejects.toMatchObject({
      code: 'invalid_rotation_policy',
      message: 'rotate_every_days must be a number of days from 1 to 3650',
    });
    await expect(rotate(uniqueTenantId('nobody'))).rejects.toMatchObject({ code: 'tenant_not_found' });
  });

  it("isolation: one tenant's keys neither open nor verify as another tenant's", async () => {
    const a = uniqueTenantId('isoa');
    const b = uniqueTenantId('isob');
    await createTenant(platform, { id: a });
    await createTenant(platform, { id: b });
    const tokenOfA = await signToken(a);
    expect(await verifies(a, tokenOfA)).toBe(true);
    expect(await verifies(b, tokenOfA)).toBe(false);
    const rowOfA = await withTenantScope(platform, a, ({ db }) => db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow());
    expect(() => openPrivateJwk(b, rowOfA, platform.secrets)).toThrow(/cannot be opened/);
  });
});
