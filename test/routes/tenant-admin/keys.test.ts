import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { pollUntil } from '../../support/eventually.ts';
import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, startAdminApiBed, type MachineClient } from '../../support/admin-api.ts';

/**
 * `…/keys`: the signing keys (keys:read) and their rotation (keys:write), through real HTTP
 * against real tenant databases; every change shows up in the audit log with its caller.
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let acmeOps: MachineClient;
let reader: string;
let writer: string;
let globexToken: string;

beforeAll(async () => {
  ({ bed, acme, globex, acmeOps, acmeTokens: [reader, writer], globexTokens: [globexToken] } = await startAdminApiBed('keys', {
    acme: ['keys:read audit:read', 'keys:read keys:write audit:read'],
    globex: ['keys:read keys:write'],
  }));
});
afterAll(async () => {
  await bed?.close();
});

const storedKeys = (tenant: TestTenant) => tenant.db.selectFrom('signing_keys').select(['kid', 'state']).orderBy('created_at').execute();

async function lastAudit(tenant: TestTenant, action: string) {
  const { body } = await callAdmin(tenant, `/audit-events?action=${action}&limit=1`, writer);
  return (body.items as Array<Record<string, any>>)[0];
}

describe('GET /keys', () => {
  it('lists the active and the next key, published, with dates and never key material', async () => {
    const answer = await callAdmin(acme, '/keys', reader);
    expect(answer.status).toBe(200);
    const items = answer.body.items as Array<Record<string, unknown>>;
    expect(items.map((key) => key.state).sort()).toEqual(['active', 'next']);
    expect(new Set(items.map((key) => key.kid))).toEqual(new Set((await storedKeys(acme)).map((key) => key.kid)));
    for (const key of items) {
      expect(Object.keys(key).sort()).toEqual(['activated_at', 'alg', 'created_at', 'kid', 'published', 'retired_at', 'state', 'unpublish_at']);
      expect(key).toMatchObject({ alg: 'RS256', published: true, retired_at: null, unpublish_at: null });
    }
    expect(answer.body.next_cursor).toBeNull();
  });

  it('pages through the keys newest first, without repeating or skipping one', async () => {
    const first = await callAdmin(acme, '/keys?limit=1', reader);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await callAdmin(acme, `/keys?limit=1&cursor=${first.body.next_cursor}`, reader);
    const all = await callAdmin(acme, '/keys', reader);
    const kids = (page: typeof first) => (page.body.items as Array<{ kid: string }>).map((key) => key.kid);
    expect([...kids(first), ...kids(second)]).toEqual(kids(all).slice(0, 2));
  });

  it('refuses bad paging with stable codes', async () => {
    expect((await callAdmin(acme, '/keys?limit=0', reader)).body.error).toBe('invalid_request');
    expect((await callAdmin(acme, '/keys?limit=201', reader)).body.error).toBe('invalid_request');
    expect((await callAdmin(acme, '/keys?cursor=not-a-cursor', reader)).body.error).toBe('invalid_cursor');
    expect((await callAdmin(acme, '/keys?state=active', reader)).body).toMatchObject({ error: 'invalid_request', error_description: 'query.state is not a known field' });
  });
});

describe('POST /keys/rotate', () => {
  it('activates the published next key, retires the active one and publishes a new next key; tokens are then signed with it', async () => {
    const before = await storedKeys(acme);
    const oldActive = before.find((key) => key.state === 'active')!.kid;
    const oldNext = before.find((key) => key.state === 'next')!.kid;

    const answer = await callAdmin(acme, '/keys/rotate', writer, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ activated: oldNext, retired: oldActive, next: expect.any(String), removed: [] });
    // The policy's grace: seven days.
    const retiredAt = (await acme.db.selectFrom('signing_keys').select('retired_at').where('kid', '=', oldActive).executeTakeFirstOrThrow()).retired_at!;
    expect(new Date(answer.body.unpublish_at as string).getTime() - retiredAt.getTime()).toBe(7 * 86_400_000);

    // Every node rebuilds the tenant's provider: a new token is signed by the key that was next.
    const fresh = await pollUntil(
      () => adminToken(acme, acmeOps, 'keys:read'),
      (token) => decodeProtectedHeader(token).kid === oldNext,
    );
    expect(decodeProtectedHeader(fresh).kid).toBe(oldNext);
    const listed = await callAdmin(acme, '/keys', fresh);
    expect((listed.body.items as Array<{ kid: string; state: string; published: boolean }>).find((key) => key.kid === oldActive)).toMatchObject({ state: 'retired', published: true });
    // The token issued before the rotation still works: the retired key is published through its grace.
    expect((await callAdmin(acme, '/keys', reader)).status).toBe(200);

    expect(await lastAudit(acme, 'signing_keys.rotated')).toMatchObject({
      actor: `client:${acmeOps.clientId}`,
      target: oldNext,
      ip: '127.0.0.1',
      details: {
        before: { active: oldActive, next: oldNext },
        after: { active: oldNext, next: answer.body.next, retired: oldActive, unpublish_at: answer.body.unpublish_at },
      },
    });
  });

  it('takes a grace period of its own', async () => {
    const answer = await callAdmin(acme, '/keys/rotate', writer, { method: 'POST', body: { grace_days: 0.5 } });
    expect(answer.status).toBe(200);
    const retiredAt = (await acme.db.selectFrom('signing_keys').select('retired_at').where('kid', '=', answer.body.retired as string).executeTakeFirstOrThrow()).retired_at!;
    expect(new Date(answer.body.unpublish_at as string).getTime() - retiredAt.getTime()).toBe(43_200_000);
  });

  it('refuses a grace period out of bounds or of the wrong type, and unknown fields, changing nothing', async () => {
    const before = await storedKeys(acme);
    const negative = await callAdmin(acme, '/keys/rotate', writer, { method: 'POST', body: { grace_days: -1 } });
    expect(negative.status).toBe(400);
    expect(negative.body).toEqual({ error: 'invalid_rotation_policy', error_description: 'grace_days must be a number of days from 0 to 3650' });
    expect((await callAdmin(acme, '/keys/rotate', writer, { method: 'POST', body: { grace_days: 3651 } })).body.error).toBe('invalid_rotation_policy');
    expect((await callAdmin(acme, '/keys/rotate', writer, { method: 'POST', body: { grace_days: 'week' } })).body.error).toBe('invalid_request');
    expect((await callAdmin(acme, '/keys/rotate', writer, { method: 'POST', body: { alg: 'ES256' } })).body.error).toBe('invalid_request');
    expect(await storedKeys(acme)).toEqual(before);
  });
});

describe('/keys/policy', () => {
  it('reads the policy with an ETag, and replaces it with If-Match; a stale tag is refused with 412', async () => {
    const read = await callAdmin(acme, '/keys/policy', reader);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ rotate_every_days: 30, grace_days: 7 });
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const written = await callAdmin(acme, '/keys/policy', writer, { method: 'PUT', body: { rotate_every_days: 14, grace_days: 3 }, headers: { 'if-match': etag } });
    expect(written.status).toBe(200);
    expect(written.body).toEqual({ rotate_every_days: 14, grace_days: 3 });
    expect(written.headers.get('etag')).not.toBe(etag);
    expect((await callAdmin(acme, '/keys/policy', reader)).headers.get('etag')).toBe(written.headers.get('etag'));

    const stale = await callAdmin(acme, '/keys/policy', writer, { method: 'PUT', body: { rotate_every_days: 60, grace_days: 3 }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toBe('precondition_failed');
    expect((await callAdmin(acme, '/keys/policy', reader)).body).toEqual({ rotate_every_days: 14, grace_days: 3 });

    expect(await lastAudit(acme, 'signing_keys.policy_updated')).toMatchObject({
      actor: `client:${acmeOps.clientId}`,
      target: 'rotation_policy',
      ip: '127.0.0.1',
      details: { before: { rotate_every_days: 30, grace_days: 7 }, after: { rotate_every_days: 14, grace_days: 3 } },
    });
  });

  it('refuses a policy out of bounds with invalid_rotation_policy naming the field, and an incomplete one', async () => {
    const zero = await callAdmin(acme, '/keys/policy', writer, { method: 'PUT', body: { rotate_every_days: 0, grace_days: 3 } });
    expect(zero.status).toBe(400);
    expect(zero.body).toEqual({ error: 'invalid_rotation_policy', error_description: 'rotate_every_days must be a number of days from 1 to 3650' });
    const grace = await callAdmin(acme, '/keys/policy', writer, { method: 'PUT', body: { rotate_every_days: 30, grace_days: 4000 } });
    expect(grace.body.error).toBe('invalid_rotation_policy');
    expect(grace.body.error_description).toMatch(/^grace_days /);
    const partial = await callAdmin(acme, '/keys/policy', writer, { method: 'PUT', body: { grace_days: 3 } });
    expect(partial.body).toEqual({ error: 'invalid_request', error_description: 'body.rotate_every_days is required' });
  });
});

describe('scopes and tenants', () => {
  it('needs keys:read to read and keys:write to change', async () => {
    const settingsOnly = await adminToken(acme, acmeOps, 'settings:read settings:write');
    for (const [method, path, token, scope] of [
      ['GET', '/keys', settingsOnly, 'keys:read'],
      ['GET', '/keys/policy', settingsOnly, 'keys:read'],
      ['POST', '/keys/rotate', reader, 'keys:write'],
      ['PUT', '/keys/policy', reader, 'keys:write'],
    ] as const) {
      const body = method === 'PUT' ? { rotate_every_days: 30, grace_days: 7 } : undefined;
      const answer = await callAdmin(acme, path, token, { method, body });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error).toBe('insufficient_scope');
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${scope}"`);
    }
  });

  it("refuses a tenant's token at another tenant, and never shows one tenant's keys at another", async () => {
    const globexBefore = await storedKeys(globex);
    for (const [method, path] of [['GET', '/keys'], ['POST', '/keys/rotate'], ['GET', '/keys/policy'], ['PUT', '/keys/policy']] as const) {
      const body = method === 'PUT' ? { rotate_every_days: 30, grace_days: 7 } : undefined;
      const answer = await callAdmin(globex, path, writer, { method, body });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body.error).toBe('invalid_token');
    }
    expect(await storedKeys(globex)).toEqual(globexBefore);
    const acmeKids = new Set((await storedKeys(acme)).map((key) => key.kid));
    const listed = await callAdmin(globex, '/keys', globexToken);
    expect(listed.status).toBe(200);
    expect((listed.body.items as Array<{ kid: string }>).filter((key) => acmeKids.has(key.kid))).toEqual([]);
    expect((await callAdmin(globex, '/keys/policy', globexToken)).body).toEqual({ rotate_every_days: 30, grace_days: 7 });
  });
});
