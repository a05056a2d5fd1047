import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { TenantDb } from '../../../src/db/tenant-database.ts';
import { THROTTLE } from '../../../src/modules/users/login-throttle.ts';
import { updateTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { hashInvitationToken } from '../../../src/modules/users/invitations.service.ts';
import { rolesOf } from '../../../src/modules/users/users.repository.ts';
import { authenticatePassword } from '../../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { inviteForTest } from '../../support/invitations.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';

let bed: UsersTestBed;
let open: TenantScope;
let invite: TenantScope;
let closed: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  [open, invite, closed] = await Promise.all([bed.tenant('open'), bed.tenant('invite'), bed.tenant('closed')]);
  await updateTenantSettings(open, { signup: 'open' }, TEST_ACTOR);
  await updateTenantSettings(invite, { signup: 'invite' }, TEST_ACTOR);
});
afterAll(async () => {
  await bed?.close();
});

let nextIp = 1;
const freshIp = () => `198.51.100.${nextIp++}`;

function signup(tenantId: string, body: unknown, ip = freshIp()) {
  return bed.app.inject({
    method: 'POST',
    url: `/t/${tenantId}/api/auth/signup`,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    remoteAddress: ip,
  });
}

const userRow = (db: TenantDb, email: string) => db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();

describe('POST /t/<id>/api/auth/signup', () => {
  it('is disabled by default', async () => {
    const response = await signup(closed.id, { email: 'new@example.test', password: 'a long password' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'signup_disabled', error_description: expect.any(String) });
    expect(await userRow(closed.db, 'new@example.test')).toBeUndefined();
  });

  it('creates an argon2id account in open mode, which can then sign in', async () => {
    const response = await signup(open.id, { email: 'Alice@Example.test', password: 'alice password 1', name: 'Alice' });
    expect(response.statusCode).toBe(202);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toMatchObject({ status: 'accepted' });

    const row = await userRow(open.db, 'alice@example.test');
    expect(row).toMatchObject({ email: 'alice@example.test', name: 'Alice', email_verified: false, status: 'active' });
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    const login = await authenticatePassword(open.db, loginKeysFor(bed.platform.config, open.id), { email: 'alice@example.test', password: 'alice password 1', ip: freshIp() });
    expect(login.ok).toBe(true);
  });

  it('answers a taken email exactly like a new one and leaves the account untouched', async () => {
    await signup(open.id, { email: 'bob@example.test', password: 'bob password 12' });
    const before = await userRow(open.db, 'bob@example.test');

    const fresh = await signup(open.id, { email: 'carol@example.test', password: 'attacker password' });
    const taken = await signup(open.id, { email: 'BOB@example.test', password: 'attacker password' });
    expect(taken.statusCode).toBe(fresh.statusCode);
    expect(taken.body).toBe(fresh.body);

    const after = await userRow(open.db, 'bob@example.test');
    expect(after!.password_hash).toBe(before!.password_hash);
    const stolen = await authenticatePassword(open.db, loginKeysFor(bed.platform.config, open.id), { email: 'bob@example.test', password: 'attacker password', ip: freshIp() });
    expect(stolen.ok).toBe(false);
    const audit = await open.db.selectFrom('audit_events').select('action').where('action', '=', 'user.signup_for_existing_email').execute();
    expect(audit).toHaveLength(1);
  });

  it('validates the body with stable error codes', async () => {
    const cases: [unknown, string][] = [
      [{ email: 'not-an-email', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'short@example.test', password: 'short' }, 'weak_password'],
      [{ email: 'short@example.test' }, 'invalid_request'],
      [{ email: 'n@example.test', password: 'long enough 123', name: '' }, 'invalid_name'],
      [{ email: 'i@example.test', password: 'long enough 123', invitation: 42 }, 'invalid_request'],
      [[1, 2], 'invalid_request'],
    ];
    for (const [body, code] of cases) {
      const response = await signup(open.id, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error, JSON.stringify(body)).toBe(code);
    }
    const broken = await signup(open.id, '{"email":');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toBeTypeOf('string');
  });

  it('refuses control characters and bidi overrides in emails and names with 400, never a 500', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'nul\u0000byte@example.test', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'tab\tin@example.test', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'c1\u0085@example.test', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'moc.elpmaxe\u202e@example.test', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'iso\u2066late@example.test', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'mark\u200f@example.test', password: 'long enough 123' }, 'invalid_email'],
      [{ email: 'named@example.test', password: 'long enough 123', name: 'Nul\u0000Name' }, 'invalid_name'],
      [{ email: 'named@example.test', password: 'long enough 123', name: 'Admin\u202etoor' }, 'invalid_name'],
      [{ email: 'named@example.test', password: 'long enough 123', name: 'Line\nbreak' }, 'invalid_name'],
    ];
    for (const [body, code] of cases) {
      const response = await signup(open.id, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error, JSON.stringify(body)).toBe(code);
    }
    expect(await userRow(open.db, 'named@example.test')).toBeUndefined();
  });

  it('stores emails and names in NFKC, so a full-width look-alike is the same account', async () => {
    expect((await signup(open.id, { email: 'look@example.test', password: 'look password 12', name: 'Ｌｏｏｋ ﬁne' })).statusCode).toBe(202);
    const taken = await signup(open.id, { email: 'ｌｏｏｋ＠ＥＸＡＭＰＬＥ.test', password: 'attacker password' });
    expect(taken.statusCode).toBe(202);
    const rows = await open.db.selectFrom('users').select(['email', 'name']).where('email', 'like', '%ook@%').execute();
    expect(rows).toEqual([{ email: 'look@example.test', name: 'Look fine' }]);
    // A new full-width address is stored in its canonical form, and signs in under either spelling.
    expect((await signup(open.id, { email: 'ｗｉｄｅ@Example.test', password: 'wide password 12' })).statusCode).toBe(202);
    expect(await userRow(open.db, 'wide@example.test')).toMatchObject({ email: 'wide@example.test' });
    const keys = loginKeysFor(bed.platform.config, open.id);
    expect((await authenticatePassword(open.db, keys, { email: 'ｗｉｄｅ@example.test', password: 'wide password 12', ip: freshIp() })).ok).toBe(true);
  });

  it('applies the same rules to invitations and to users created by an admin (the CLI)', async () => {
    await expect(inviteForTest(bed.platform, invite, { email: 'bad\u0000@example.test' })).rejects.toMatchObject({ code: 'invalid_email', status: 400 });
    await expect(createUser(invite, { email: 'bad\u202e@example.test', password: 'long enough 123' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_email' });
    await expect(createUser(invite, { email: 'ok@example.test', name: 'x\u0007y' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_name' });
    await createUser(invite, { email: 'twice@example.test', password: 'long enough 123' }, TEST_ACTOR);
    await expect(createUser(invite, { email: 'ｔｗｉｃｅ@example.test', password: 'long enough 123' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'user_exists' });
    await expect(inviteForTest(bed.platform, invite, { email: 'ＴＷＩＣＥ@example.test' })).rejects.toMatchObject({ code: 'user_exists' });
    const { invitation } = await inviteForTest(bed.platform, invite, { email: 'ｉｎｖｉｔｅｅ@example.test' });
    expect(invitation.email).toBe('invitee@example.test');
  });

  it('stores only a keyed digest of the email in the sign-in activity', async () => {
    expect((await signup(open.id, { email: 'digest@example.test', password: 'digest password 1' })).statusCode).toBe(202);
    const rows = await open.db.selectFrom('login_attempts').select('identifier_hash').where('reason', '=', 'signup').execute();
    const unkeyed = crypto.createHash('sha256').update(`${open.id}\0digest@example.test`).digest('hex');
    const plain = crypto.createHash('sha256').update('digest@example.test').digest('hex');
    const hashes = rows.map((r) => r.identifier_hash);
    expect(hashes.length).toBeGreaterThan(0);
    expect(hashes).not.toContain(unkeyed);
    expect(hashes).not.toContain(plain);
    // HMAC-SHA256 under HKDF(master key, 'tansu-login-identifier-v1', 'tenant:<id>'): the key no other purpose or tenant uses.
    const key = Buffer.from(crypto.hkdfSync('sha256', bed.platform.config.masterKey!, 'tansu-login-identifier-v1', `tenant:${open.id}`, 32));
    expect(hashes).toContain(crypto.createHmac('sha256', key).update('digest@example.test').digest('hex'));
  });

  it('answers 404 tenant_not_found for an unknown tenant, not the provider catch-all', async () => {
    const response = await signup('no-such-tenant', { email: 'a@example.test', password: 'long enough 123' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'tenant_not_found' });
  });

  it('rate-limits signups per IP', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i <= THROTTLE.maxSignupsPerIp; i++) {
      statuses.push((await signup(open.id, { email: `flood-${i}@example.test`, password: 'flood password 1' }, ip)).statusCode);
    }
    expect(statuses.slice(0, THROTTLE.maxSignupsPerIp)).toEqual(Array(THROTTLE.maxSignupsPerIp).fill(202));
    const refused = await signup(open.id, { email: 'flood-last@example.test', password: 'flood password 1' }, ip);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toBe('throttled');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await userRow(open.db, 'flood-last@example.test')).toBeUndefined();
    // Another address is not affected.
    expect((await signup(open.id, { email: 'flood-last@example.test', password: 'flood password 1' })).statusCode).toBe(202);
  });

  it('refuses an IP that is locked out of signing in', async () => {
    const ip = freshIp();
    await Promise.all(
      Array.from({ length: THROTTLE.maxFailuresPerIp }, (_, i) =>
        authenticatePassword(open.db, loginKeysFor(bed.platform.config, open.id), { email: `probe-${i}@example.test`, password: 'guess', ip }),
      ),
    );
    const response = await signup(open.id, { email: 'probe-new@example.test', password: 'probe password 1' }, ip);
    expect(response.statusCode).toBe(429);
  });
});

describe('invitations', () => {
  it('require an invitation in invite mode', async () => {
    const response = await signup(invite.id, { email: 'dave@example.test', password: 'dave password 1' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invitation_required');
  });

  it('store only the SHA-256 of the token, and grant roles and a verified email on signup', async () => {
    const { token, invitation } = await inviteForTest(bed.platform, invite, { email: 'Erin@Example.test', roles: ['editor', 'viewer'] });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await invite.db.selectFrom('invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(hashInvitationToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    const response = await signup(invite.id, { email: 'erin@example.test', password: 'erin password 1', invitation: token });
    expect(response.statusCode).toBe(202);
    const row = await userRow(invite.db, 'erin@example.test');
    expect(row).toMatchObject({ email_verified: true });
    expect(await rolesOf(invite.db, row!.id)).toEqual(['editor', 'viewer']);
  });

  it('are single-use', async () => {
    const { token } = await inviteForTest(bed.platform, invite, { email: 'frank@example.test' });
    expect((await signup(invite.id, { email: 'frank@example.test', password: 'frank password 1', invitation: token })).statusCode).toBe(202);
    const again = await signup(invite.id, { email: 'frank@example.test', password: 'other password 1', invitation: token });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toBe('invalid_invitation');
  });

  it('let exactly one of two concurrent signups with the same token through', async () => {
    const { token } = await inviteForTest(bed.platform, invite, { email: 'race@example.test' });
    const responses = await Promise.all([1, 2].map(() => signup(invite.id, { email: 'race@example.test', password: 'race password 1', invitation: token })));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([202, 400]);
  });

  it('expire', async () => {
    const { token, invitation } = await inviteForTest(bed.platform, invite, { email: 'grace@example.test' });
    await invite.db.updateTable('invitations').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', invitation.id).execute();
    const response = await signup(invite.id, { email: 'grace@example.test', password: 'grace password 1', invitation: token });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_invitation');
    expect(await userRow(invite.db, 'grace@example.test')).toBeUndefined();
  });

  it('only work for the email they were made for, and only at their tenant', async () => {
    const { token } = await inviteForTest(bed.platform, invite, { email: 'heidi@example.test' });
    const otherEmail = await signup(invite.id, { email: 'mallory@example.test', password: 'mallory password', invitation: token });
    expect(otherEmail.json().error).toBe('invalid_invitation');
    await updateTenantSettings(closed, { signup: 'invite' }, TEST_ACTOR);
    const otherTenant = await signup(closed.id, { email: 'heidi@example.test', password: 'heidi password 1', invitation: token });
    expect(otherTenant.json().error).toBe('invalid_invitation');
    await updateTenantSettings(closed, { signup: 'disabled' }, TEST_ACTOR);
    // The failed tries did not use it up.
    expect((await signup(invite.id, { email: 'heidi@example.test', password: 'heidi password 1', invitation: token })).statusCode).toBe(202);
  });

  it('cannot be made for an existing user', async () => {
    await expect(inviteForTest(bed.platform, invite, { email: 'erin@example.test' })).rejects.toMatchObject({ code: 'user_exists' });
  });
});

describe('isolation', () => {
  it('lets the same email sign up at two tenants as two unrelated accounts', async () => {
    await updateTenantSettings(closed, { signup: 'open' }, TEST_ACTOR);
    try {
      expect((await signup(open.id, { email: 'twin@example.test', password: 'twin at open 12' })).statusCode).toBe(202);
      expect((await signup(closed.id, { email: 'twin@example.test', password: 'twin at closed 1' })).statusCode).toBe(202);
    } finally {
      await updateTenantSettings(closed, { signup: 'disabled' }, TEST_ACTOR);
    }
    const a = await userRow(open.db, 'twin@example.test');
    const b = await userRow(closed.db, 'twin@example.test');
    expect(a!.id).not.toBe(b!.id);
    const cross = await authenticatePassword(closed.db, loginKeysFor(bed.platform.config, closed.id), { email: 'twin@example.test', password: 'twin at open 12', ip: freshIp() });
    expect(cross).toEqual({ ok: false, reason: 'invalid_credentials' });
  });
});
