import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { uniqueTenantId } from '../../support/platform.ts';
import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, startAdminApiBed, type MachineClient } from '../../support/admin-api.ts';
import { insertClient } from '../../../src/modules/clients/clients.repository.ts';
import { generateClientSecret, hashClientSecret } from '../../../src/modules/clients/client-secret.ts';
import { sweepKeyRotations } from '../../../src/jobs/key-rotation.schedule.ts';

/**
 * `…/audit-events` and `…/login-activity` (audit:read): filters, keyset pages newest first,
 * retention applied by the cleanup sweep, and one tenant's history never visible at another.
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let acmeOps: MachineClient;
let auditor: string;
let admin: string;
let globexAuditor: string;
let adminUserId: string;

type Item = Record<string, any>;
const itemsOf = (answer: { body: Record<string, unknown> }) => answer.body.items as Item[];

/** Every item of a list, page by page; also checks that each page is at most `limit` long. */
async function allPages(tenant: TestTenant, path: string, token: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await callAdmin(tenant, `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(answer.status).toBe(200);
    expect(itemsOf(answer).length).toBeLessThanOrEqual(limit);
    items.push(...itemsOf(answer));
    cursor = answer.body.next_cursor as string | null;
  } while (cursor);
  return items;
}

async function passwordSignIn(tenant: TestTenant, client: { id: string; secret: string }, username: string, password: string) {
  const response = await fetch(`${tenant.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'password', username, password, scope: 'openid' }),
  });
  return response.status;
}

beforeAll(async () => {
  ({ bed, acme, globex, acmeOps, acmeTokens: [auditor, admin], globexTokens: [globexAuditor] } = await startAdminApiBed('aud', {
    acme: ['audit:read', 'audit:read settings:write keys:write'],
    globex: ['audit:read'],
  }));
  adminUserId = (await acme.db.selectFrom('users').select('id').where('email', '=', acme.adminEmail).executeTakeFirstOrThrow()).id;

  // Admin changes through the API, and sign-ins through the provider: real history.
  expect((await callAdmin(acme, '/settings', admin, { method: 'PATCH', body: { signup: 'invite' } })).status).toBe(200);
  expect((await callAdmin(acme, '/keys/rotate', admin, { method: 'POST' })).status).toBe(200);
  const secret = generateClientSecret();
  const legacy = { id: `legacy-${uniqueTenantId('c')}`, secret };
  await insertClient(acme.db, {
    client_id: legacy.id,
    name: 'legacy',
    type: 'confidential',
    secret_hash: hashClientSecret(secret),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['password'],
  });
  expect(await passwordSignIn(acme, legacy, acme.adminEmail, acme.adminPassword)).toBe(200);
  expect(await passwordSignIn(acme, legacy, acme.adminEmail.toUpperCase(), 'not the password')).toBe(400);
  expect(await passwordSignIn(acme, legacy, 'stranger@example.test', 'guess 123456')).toBe(400);
});
afterAll(async () => {
  await bed?.close();
});

describe('GET /audit-events', () => {
  it('lists admin changes newest first, with actor, target, IP and what changed', async () => {
    const answer = await callAdmin(acme, '/audit-events', auditor);
    expect(answer.status).toBe(200);
    const items = itemsOf(answer);
    const times = items.map((item) => Date.parse(item.occurred_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const actions = items.map((item) => item.action);
    expect(actions.indexOf('signing_keys.rotated')).toBeLessThan(actions.indexOf('settings.updated'));
    expect(items.find((item) => item.action === 'settings.updated')).toEqual({
      id: expect.any(String),
      occurred_at: expect.any(String),
      actor: `client:${acmeOps.clientId}`,
      action: 'settings.updated',
      target: 'settings',
      ip: '127.0.0.1',
      details: { before: { signup: 'disabled' }, after: { signup: 'invite' } },
    });
    // What the service recorded before the API existed shows too: the tenant's creation.
    expect(items.at(-1)).toMatchObject({ actor: 'platform', action: 'tenant.created', target: acme.id, ip: null });
  });

  it('filters by action, actor and target', async () => {
    const rotated = itemsOf(await callAdmin(acme, '/audit-events?action=signing_keys.rotated', auditor));
    expect(rotated).toHaveLength(1);
    const byTarget = itemsOf(await callAdmin(acme, `/audit-events?target=${rotated[0]!.target}`, auditor));
    expect(byTarget.map((item) => item.id)).toEqual([rotated[0]!.id]);
    const byActor = itemsOf(await callAdmin(acme, `/audit-events?actor=client:${acmeOps.clientId}`, auditor));
    expect(byActor.map((item) => item.action).sort()).toEqual(['settings.updated', 'signing_keys.rotated']);
    expect(itemsOf(await callAdmin(acme, '/audit-events?action=no.such_action', auditor))).toEqual([]);
  });

  it('filters by time (since inclusive, until exclusive), and pages through ties without repeating or skipping', async () => {
    const at = new Date('2025-06-01T12:00:00.000Z');
    // Seven events in the same microsecond, and one on each side of the window.
    await acme.db
      .insertInto('audit_events')
      .values([
        ...Array.from({ length: 7 }, (_, i) => ({ actor: 'test', action: 'test.tie', target: `t${i}`, details: '{}', occurred_at: at })),
        { actor: 'test', action: 'test.tie', target: 'before', details: '{}', occurred_at: new Date(at.getTime() - 1000) },
        { actor: 'test', action: 'test.tie', target: 'until', details: '{}', occurred_at: new Date(at.getTime() + 1000) },
      ])
      .execute();
    const since = at.toISOString();
    const until = new Date(at.getTime() + 1000).toISOString();
    const window = await allPages(acme, `/audit-events?action=test.tie&since=${since}&until=${until}`, auditor, 3);
    expect(window.map((item) => item.target).sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(new Set(window.map((item) => item.id)).size).toBe(7);
    // Ties come newest id first.
    expect(window.map((item) => Number(item.id))).toEqual(window.map((item) => Number(item.id)).sort((a, b) => b - a));
    const everything = await allPages(acme, '/audit-events?action=test.tie', auditor, 4);
    expect(everything.map((item) => item.target)).toEqual(['until', ...window.map((item) => item.target), 'before']);
  });

  it('refuses bad filters and cursors with stable codes', async () => {
    for (const [query, error] of [
      ['since=yesterday', 'invalid_request'],
      ['until=2026-13-01T00:00:00Z', 'invalid_request'],
      ['since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z', 'invalid_filter'],
      ['action=', 'invalid_request'],
      ['limit=0', 'invalid_request'],
      ['limit=201', 'invalid_request'],
      ['verb=create', 'invalid_request'],
      ['cursor=bm9wZQ', 'invalid_cursor'],
    ] as const) {
      const answer = await callAdmin(acme, `/audit-events?${query}`, auditor);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error, query).toBe(error);
    }
    // A cursor of another list is no cursor of this one.
    const activity = await callAdmin(acme, '/login-activity?limit=1', auditor);
    const foreign = await callAdmin(acme, `/audit-events?cursor=${activity.body.next_cursor}`, auditor);
    expect(foreign.body.error).toBe('invalid_cursor');
  });
});

describe('GET /login-activity', () => {
  it('lists sign-in attempts newest first: account, address, outcome', async () => {
    const items = itemsOf(await callAdmin(acme, '/login-activity', auditor));
    expect(items.map((item) => item.outcome)).toEqual(['invalid_credentials', 'invalid_credentials', 'signed_in']);
    expect(items[2]).toEqual({
      id: expect.any(String),
      occurred_at: expect.any(String),
      user_id: adminUserId,
      ip: '127.0.0.1',
      outcome: 'signed_in',
      succeeded: true,
      known_device: false,
      connection: null,
    });
    // The stranger's address belongs to no account.
    expect(items[0]).toMatchObject({ user_id: null, succeeded: false });
  });

  it("filters by user, by the address typed in (any spelling of it, with or without an account), by outcome", async () => {
    const byUser = itemsOf(await callAdmin(acme, `/login-activity?user_id=${adminUserId}`, auditor));
    expect(byUser.map((item) => item.outcome)).toEqual(['invalid_credentials', 'signed_in']);
    const byEmail = itemsOf(await callAdmin(acme, `/login-activity?email=${encodeURIComponent(` ${acme.adminEmail.toUpperCase()}`)}`, auditor));
    expect(byEmail.map((item) => item.id)).toEqual(byUser.map((item) => item.id));
    const stranger = itemsOf(await callAdmin(acme, '/login-activity?email=stranger@example.test', auditor));
    expect(stranger).toHaveLength(1);
    expect(stranger[0]).toMatchObject({ user_id: null, outcome: 'invalid_credentials' });
    const successes = itemsOf(await callAdmin(acme, '/login-activity?outcome=signed_in', auditor));
    expect(successes.map((item) => item.user_id)).toEqual([adminUserId]);
    expect(itemsOf(await callAdmin(acme, '/login-activity?since=2099-01-01T00:00:00Z', auditor))).toEqual([]);
  });

  it('pages through the attempts', async () => {
    const all = itemsOf(await callAdmin(acme, '/login-activity', auditor));
    expect((await allPages(acme, '/login-activity', auditor, 1)).map((item) => item.id)).toEqual(all.map((item) => item.id));
  });

  it('refuses bad filters with invalid_request', async () => {
    for (const query of ['user_id=admin', 'outcome=maybe', 'email=', 'since=now', 'ip=127.0.0.1']) {
      const answer = await callAdmin(acme, `/login-activity?${query}`, auditor);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error, query).toBe('invalid_request');
    }
  });
});

describe('scopes and tenants', () => {
  it('needs audit:read', async () => {
    const other = await adminToken(acme, acmeOps, 'users:read settings:read keys:read');
    for (const path of ['/audit-events', '/login-activity']) {
      const answer = await callAdmin(acme, path, other);
      expect(answer.status, path).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="audit:read"');
    }
  });

  it("refuses a tenant's token at another tenant, and never shows one tenant's history at another", async () => {
    for (const path of ['/audit-events', '/login-activity']) {
      const answer = await callAdmin(globex, path, auditor);
      expect(answer.status, path).toBe(401);
      expect(answer.body.error).toBe('invalid_token');
    }
    const globexEvents = await allPages(globex, '/audit-events', globexAuditor, 200);
    expect(globexEvents.length).toBeGreaterThan(0);
    expect(globexEvents.filter((item) => item.actor === `client:${acmeOps.clientId}` || item.action === 'test.tie')).toEqual([]);
    expect(itemsOf(await callAdmin(globex, `/audit-events?actor=client:${acmeOps.clientId}`, globexAuditor))).toEqual([]);
    expect(itemsOf(await callAdmin(globex, `/login-activity?user_id=${adminUserId}`, globexAuditor))).toEqual([]);
    expect(itemsOf(await callAdmin(globex, `/login-activity?email=${encodeURIComponent(acme.adminEmail)}`, globexAuditor))).toEqual([]);
    // A cursor handed out by acme's list leads nowhere into acme's history at globex.
    const acmePage = await callAdmin(acme, '/audit-events?limit=1', auditor);
    const followed = itemsOf(await callAdmin(globex, `/audit-events?cursor=${acmePage.body.next_cursor}`, globexAuditor));
    expect(followed.filter((item) => item.actor === `client:${acmeOps.clientId}`)).toEqual([]);
  });
});

describe('retention', () => {
  it("the cleanup sweep deletes history older than the tenant's retention, and keeps the rest", async () => {
    const retention = await callAdmin(acme, '/settings', admin, { method: 'PATCH', body: { retention_days: { audit_events: 30, login_activity: 2 } } });
    expect(retention.status).toBe(200);
    const ago = (days: number, hours: number) => sql<Date>`now() - make_interval(days => ${days}, hours => ${hours})`;
    await acme.db
      .insertInto('audit_events')
      .values([
        { actor: 'test', action: 'test.retained', details: '{}', occurred_at: ago(29, 23) },
        { actor: 'test', action: 'test.expired', details: '{}', occurred_at: ago(30, 1) },
      ])
      .execute();
    const attempt = { identifier_hash: 'h', ip: '192.0.2.7', ip_bucket: '192.0.2.7', succeeded: false, reason: 'invalid_credentials' };
    await acme.db
      .insertInto('login_attempts')
      .values([
        { ...attempt, ip: '192.0.2.8', occurred_at: ago(1, 23) },
        { ...attempt, ip: '192.0.2.9', occurred_at: ago(2, 1) },
      ])
      .execute();
    // Globex keeps its default retention: the same ages are young there.
    await globex.db.insertInto('audit_events').values({ actor: 'test', action: 'test.expired', details: '{}', occurred_at: ago(30, 1) }).execute();

    const sweep = await sweepKeyRotations(bed.platform);
    expect(sweep.failed).toEqual([]);

    const actions = (await allPages(acme, '/audit-events', auditor, 200)).map((item) => item.action);
    expect(actions).toContain('test.retained');
    expect(actions).not.toContain('test.expired');
    // The 2025 events of the paging test are older than 30 days too.
    expect(actions).not.toContain('test.tie');
    expect(actions).toContain('settings.updated');
    const addresses = (await allPages(acme, '/login-activity', auditor, 200)).map((item) => item.ip);
    expect(addresses).toContain('192.0.2.8');
    expect(addresses).not.toContain('192.0.2.9');
    expect(addresses).toContain('127.0.0.1');
    expect(itemsOf(await callAdmin(globex, '/audit-events?action=test.expired', globexAuditor))).toHaveLength(1);
  });
});
