import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, machineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { disableUser } from '../../../src/modules/users/user-account.service.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { inviteForTest } from '../../support/invitations.ts';

/**
 * `…/stats` (audit:read): the console overview's counts and its sign-ins per hour, built from
 * rows the test writes with known times; one tenant's figures never include another's.
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let auditor: string;
let reader: string;
let globexAuditor: string;

const HOUR = 3_600_000;
const hourOf = (at: Date) => new Date(Math.floor(at.getTime() / HOUR) * HOUR).toISOString();

async function attempt(tenant: TestTenant, reason: string, at: Date): Promise<void> {
  await tenant.db
    .insertInto('login_attempts')
    .values({
      identifier_hash: crypto.randomBytes(8).toString('hex'),
      ip: '192.0.2.1',
      ip_bucket: '192.0.2.1',
      succeeded: reason === 'signed_in' || reason === 'signup',
      reason,
      occurred_at: at,
    })
    .execute();
}

async function session(tenant: TestTenant, expiresAt: Date): Promise<void> {
  const id = crypto.randomBytes(16).toString('base64url');
  await tenant.db.insertInto('oidc_payloads').values({ model: 'Session', id, payload: JSON.stringify({ jti: id, kind: 'Session' }), expires_at: expiresAt }).execute();
}

// Far from any hour boundary the request could cross: 2 h 30 min and 30 h ago.
const twoHoursAgo = new Date(Date.now() - 2.5 * HOUR);
const dayAndMoreAgo = new Date(Date.now() - 30 * HOUR);

beforeAll(async () => {
  bed = await startOidcTestBed();
  [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('stats-acme')), createTestTenant(bed, uniqueTenantId('stats-globex'))]);
  const [acmeOps, globexOps] = await Promise.all([machineClient(acme, 'stats ops', true), machineClient(globex, 'stats ops', true)]);
  [auditor, reader, globexAuditor] = await Promise.all([
    adminToken(acme, acmeOps, 'audit:read'),
    adminToken(acme, acmeOps, 'users:read'),
    adminToken(globex, globexOps, 'audit:read'),
  ]);

  const extra = await createUser(acme, { email: 'extra@stats.test', password: 'long enough 123' }, TEST_ACTOR);
  await createUser(acme, { email: 'other@stats.test', password: 'long enough 123' }, TEST_ACTOR);
  await disableUser(acme, { userId: extra.user.id }, TEST_ACTOR);
  await createApi(acme, { identifier: 'https://orders.stats.test', scopes: ['orders:read'] }, TEST_ACTOR);
  await inviteForTest(bed.platform, acme, { email: 'invitee@stats.test' });
  await session(acme, new Date(Date.now() + HOUR));
  await session(acme, new Date(Date.now() - HOUR));

  for (const reason of ['signed_in', 'signed_in', 'invalid_credentials', 'throttled', 'signup', 'mail_requested', 'pending']) await attempt(acme, reason, twoHoursAgo);
  await attempt(acme, 'signed_in', dayAndMoreAgo);
  await attempt(globex, 'invalid_credentials', twoHoursAgo);
});
afterAll(async () => {
  await bed?.close();
});

type Hour = { hour: string; succeeded: number; failed: number };

describe('GET …/stats', () => {
  it('counts users, disabled users, clients, APIs, pending invitations and live sessions', async () => {
    const answer = await callAdmin(acme, '/stats', auditor);
    expect(answer.status).toBe(200);
    // The tenant's admin and two more users; the machine client of the test is the one client.
    expect(answer.body).toMatchObject({ users: 3, disabled_users: 1, clients: 1, apis: 1, pending_invitations: 1, live_sessions: 1 });
  });

  it('lists each of the last 24 hours by default, oldest first, counting sign-ins and refusals only', async () => {
    const before = Date.now();
    const answer = await callAdmin(acme, '/stats', auditor);
    const hours = answer.body.sign_ins as Hour[];
    expect(hours).toHaveLength(24);
    const starts = hours.map((entry) => Date.parse(entry.hour));
    expect(starts.every((start, index) => index === 0 || start - starts[index - 1]! === HOUR)).toBe(true);
    // The last entry is the hour under way (the request may have crossed into a new one).
    expect([hourOf(new Date(before)), hourOf(new Date())]).toContain(hours.at(-1)!.hour);
    expect(hours.find((entry) => entry.hour === hourOf(twoHoursAgo))).toEqual({ hour: hourOf(twoHoursAgo), succeeded: 2, failed: 2 });
    expect(hours.filter((entry) => entry.hour !== hourOf(twoHoursAgo)).every((entry) => entry.succeeded === 0 && entry.failed === 0)).toBe(true);
  });

  it('reaches further back when asked, up to a week', async () => {
    const answer = await callAdmin(acme, '/stats?hours=48', auditor);
    const hours = answer.body.sign_ins as Hour[];
    expect(hours).toHaveLength(48);
    expect(hours.find((entry) => entry.hour === hourOf(dayAndMoreAgo))).toMatchObject({ succeeded: 1, failed: 0 });
    for (const bad of ['0', '169', 'x']) {
      const refused = await callAdmin(acme, `/stats?hours=${bad}`, auditor);
      expect({ bad, status: refused.status, error: refused.body.error }).toEqual({ bad, status: 400, error: 'invalid_request' });
    }
  });

  it("needs audit:read, and shows each tenant only its own figures", async () => {
    const refused = await callAdmin(acme, '/stats', reader);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');

    expect((await callAdmin(globex, '/stats', auditor)).status).toBe(401);
    const globexStats = await callAdmin(globex, '/stats', globexAuditor);
    expect(globexStats.body).toMatchObject({ users: 1, disabled_users: 0, clients: 1, apis: 0, pending_invitations: 0, live_sessions: 0 });
    const hours = globexStats.body.sign_ins as Hour[];
    expect(hours.reduce((sum, entry) => sum + entry.succeeded, 0)).toBe(0);
    expect(hours.reduce((sum, entry) => sum + entry.failed, 0)).toBe(1);
  });
});
