import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, uniqueTenantId, clusterUrl, type TestPlatform } from '../../support/platform.ts';
import { cliEnv, runTansu } from '../../support/cli.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../../src/db/tenant-database.ts';
import { verifyPassword } from '../../../src/crypto/passwords.ts';
import { readTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { hashInvitationToken } from '../../../src/modules/users/invitations.service.ts';
import { hashEmailToken } from '../../../src/modules/users/email-tokens.ts';
import { testScope } from '../../support/scope.ts';
import { invitationTokenIn } from '../../support/invitations.ts';

let platform: TestPlatform;
let env: Record<string, string>;
let tenantId: string;
let db: TenantDb;

beforeAll(async () => {
  const config = testConfig();
  platform = await openTestPlatform(config);
  env = cliEnv(config);
  tenantId = uniqueTenantId('cliusers');
  const { tenant } = await createTenant(platform, { id: tenantId });
  db = openTenantDatabase(clusterUrl(), tenant.database_name, 1);
});
afterAll(async () => {
  await db?.destroy();
  await platform?.destroy();
});

const tansu = (...args: string[]) => runTansu(args, env);
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

describe('tansu user', () => {
  it('creates a user with a generated password, printed once and stored as argon2id', async () => {
    const run = await tansu('user', 'create', tenantId, '--email', 'Ops@Example.test', '--role', 'admin,editor', '--json');
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.user).toMatchObject({ email: 'ops@example.test', roles: ['admin', 'editor'], status: 'active' });
    expect(out.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(run.stdout).not.toContain('argon2');

    const row = await db.selectFrom('users').selectAll().where('email', '=', 'ops@example.test').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.password_hash!, out.password)).toBe(true);
  });

  it('takes a given password and prints no password back', async () => {
    const run = await tansu('user', 'create', tenantId, '--email', 'given@example.test', '--password', 'a chosen password', '--name', 'Given');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('given@example.test');
    expect(run.stdout).not.toContain('a chosen password');
  });

  it('refuses a weak password with exit 2, and a taken email, without stack traces', async () => {
    const weak = await tansu('user', 'create', tenantId, '--email', 'weak@example.test', '--password', 'short');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/weak_password/);
    noStack(weak.stderr);

    const taken = await tansu('user', 'create', tenantId, '--email', 'OPS@example.test');
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toMatch(/user_exists/);
    noStack(taken.stderr);

    const missing = await tansu('user', 'create', tenantId);
    expect(missing.code).toBe(2);
  });

  it('lists users with their roles, never their hashes', async () => {
    const run = await tansu('user', 'list', tenantId, '--json');
    expect(run.code, run.stderr).toBe(0);
    const users = JSON.parse(run.stdout) as { email: string; roles: string[] }[];
    expect(users.map((u) => u.email)).toEqual(expect.arrayContaining(['ops@example.test', 'given@example.test', `admin@${tenantId}.localhost`]));
    expect(users.find((u) => u.email === 'ops@example.test')!.roles).toEqual(['admin', 'editor']);
    expect(run.stdout).not.toMatch(/argon2|password/);

    const text = await tansu('user', 'list', tenantId);
    expect(text.stdout).toMatch(/ops@example\.test\s+\S+\s+active\s+admin,editor/);
  });

  it('disables, enables and deletes a user by email; delete needs --yes', async () => {
    await tansu('user', 'create', tenantId, '--email', 'leaver@example.test', '--password', 'a chosen password');
    const disabled = await tansu('user', 'disable', tenantId, '--email', 'Leaver@Example.test');
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/leaver@example\.test \(\S+\) is disabled/);
    const row = () => db.selectFrom('users').select(['id', 'status']).where('email', '=', 'leaver@example.test').executeTakeFirst();
    expect((await row())?.status).toBe('disabled');
    expect((await tansu('user', 'enable', tenantId, '--email', 'leaver@example.test')).code).toBe(0);
    expect((await row())?.status).toBe('active');

    const unconfirmed = await tansu('user', 'delete', tenantId, '--email', 'leaver@example.test');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    const { id } = (await row())!;
    const deleted = await tansu('user', 'delete', tenantId, '--email', 'leaver@example.test', '--yes', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: id, email: 'leaver@example.test' });
    expect(await row()).toBeUndefined();
    const actions = await db.selectFrom('audit_events').select(['action', 'actor']).where('target', '=', id).orderBy('id').execute();
    expect(actions).toEqual(['user.created', 'user.disabled', 'user.enabled', 'user.deleted'].map((action) => ({ action, actor: 'cli' })));

    const gone = await tansu('user', 'disable', tenantId, '--email', 'leaver@example.test');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/user_not_found/);
    noStack(gone.stderr);
  });

  it('answers tenant_not_found for an unknown tenant', async () => {
    const run = await tansu('user', 'list', 'no-such-tenant');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/tenant_not_found/);
  });
});

describe('tansu user send-reset and resend-verification', () => {
  const outboxTo = (to: string) => db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).orderBy('created_at').execute();

  it('queues a reset link to the user, whose token is stored only as its digest', async () => {
    await tansu('user', 'create', tenantId, '--email', 'forgetful@example.test', '--password', 'forgetful password');
    const run = await tansu('user', 'send-reset', tenantId, '--email', 'Forgetful@Example.test', '--json');
    expect(run.code, run.stderr).toBe(0);
    const sent = JSON.parse(run.stdout);
    expect(sent).toEqual({ user_id: expect.any(String), email: 'forgetful@example.test', mail_id: expect.any(String), expires_at: expect.any(String) });
    const [mail] = await outboxTo('forgetful@example.test');
    expect(mail).toMatchObject({ id: sent.mail_id, template: 'reset_password', state: 'queued' });
    const link = new URL(/https?:\/\/\S+/.exec(mail!.text_body!)![0]);
    expect(link.pathname).toBe(`/t/${tenantId}/reset-password`);
    const token = link.searchParams.get('token')!;
    const stored = await db.selectFrom('email_tokens').selectAll().where('user_id', '=', sent.user_id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ purpose: 'reset_password', token_hash: hashEmailToken(tenantId, 'reset_password', token) });
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('queues a new verification link to an unconfirmed user only', async () => {
    const run = await tansu('user', 'resend-verification', tenantId, '--email', 'given@example.test');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^queued a verification link for given@example\.test/);
    expect((await outboxTo('given@example.test')).map((m) => m.template)).toEqual(['verify_email']);

    const verified = await tansu('user', 'resend-verification', tenantId, '--email', `admin@${tenantId}.localhost`);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toMatch(/email_already_verified/);
    noStack(verified.stderr);
  });

  it('says when there is no such user, and queues nothing', async () => {
    for (const command of ['send-reset', 'resend-verification']) {
      const run = await tansu('user', command, tenantId, '--email', 'nobody@example.test');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/user_not_found/);
      noStack(run.stderr);
    }
    expect(await outboxTo('nobody@example.test')).toEqual([]);
    expect((await tansu('user', 'send-reset', tenantId)).code).toBe(2);
  });
});

describe('tansu tenant settings and tansu invite', () => {
  it('sets the signup mode, and refuses an unknown one with exit 2', async () => {
    const bad = await tansu('tenant', 'settings', tenantId, '--signup', 'everyone');
    expect(bad.code).toBe(2);
    expect((await readTenantSettings(testScope(platform, tenantId, db))).signup).toBe('disabled');

    const run = await tansu('tenant', 'settings', tenantId, '--signup', 'invite', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      signup: 'invite',
      verified_email_required: false,
      verified_email_required_is_default: true,
      magic_links: false,
      token_lifetimes: { access_token: 3600, id_token: 3600, refresh_token: 1_209_600, session: 1_209_600 },
      retention_days: { audit_events: 365, login_activity: 90 },
      mfa: { policy: 'optional', required_for_tenant_admins: false, remember_browser_days: 0 },
      rate_limits: { token: null, token_per_client: null, authorization: null, authorization_per_client: null, api: null, clients: {} },
    });
    expect((await readTenantSettings(testScope(platform, tenantId, db))).signup).toBe('invite');
  });

  it('requires a confirmed address to sign in, or not, or follows the signup mode again', async () => {
    const bad = await tansu('tenant', 'settings', tenantId, '--verified-email-required', 'maybe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--verified-email-required must be true, false or default, got "maybe"');
    const off = await tansu('tenant', 'settings', tenantId, '--signup', 'open', '--verified-email-required', 'false', '--json');
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ signup: 'open', verified_email_required: false, verified_email_required_is_default: false });
    const back = await tansu('tenant', 'settings', tenantId, '--verified-email-required', 'default');
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/verified email required\s+yes \(default/);
    await tansu('tenant', 'settings', tenantId, '--signup', 'invite');
    expect((await readTenantSettings(testScope(platform, tenantId, db))).verifiedEmailRequired).toBe(false);
  });

  it('offers sign-in links by mail when told true, and refuses any other word than true or false with exit 2', async () => {
    const bad = await tansu('tenant', 'settings', tenantId, '--magic-links', 'yes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--magic-links must be true or false, got "yes"');
    const on = await tansu('tenant', 'settings', tenantId, '--magic-links', 'true');
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/sign-in links by mail\s+yes/);
    expect((await readTenantSettings(testScope(platform, tenantId, db))).magicLinks).toBe(true);
  });

  it("sets the tenant's rate limits and a client's own, default giving them back, any value as the operator", async () => {
    const bad = await tansu('tenant', 'settings', tenantId, '--rate-limit', 'tokens=10');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rate-limit names one of token, token_per_client, authorization, authorization_per_client, api, got "tokens"');
    expect((await tansu('tenant', 'settings', tenantId, '--rate-limit', 'token=many')).code).toBe(2);
    const unknown = await tansu('tenant', 'settings', tenantId, '--client-rate-limit', 'nosuchclient=10');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('client "nosuchclient" does not exist');

    // Past the platform's budget (60000 by default): the operator may, a tenant admin may not.
    const set = await tansu('tenant', 'settings', tenantId, '--rate-limit', 'token=100000,api=50', '--client-rate-limit', 'tansu-console=20', '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).rate_limits).toEqual({ token: 100_000, token_per_client: null, authorization: null, authorization_per_client: null, api: 50, clients: { 'tansu-console': 20 } });
    const text = await tansu('tenant', 'settings', tenantId, '--rate-limit', 'token=default', '--client-rate-limit', 'tansu-console=default');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/rate limits a minute\s+token default, token_per_client default, authorization default, authorization_per_client default, api 50\n/);
    expect((await readTenantSettings(testScope(platform, tenantId, db))).rateLimits).toEqual({ budgets: { api: 50 }, clients: {} });
  });

  it('sets the second-factor policy, and refuses an unknown one or too many remembered days with exit 2', async () => {
    const bad = await tansu('tenant', 'settings', tenantId, '--mfa', 'sometimes', '--mfa-remember-days', '91');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--mfa must be one of off, optional, required, got "sometimes"');
    const run = await tansu('tenant', 'settings', tenantId, '--mfa', 'required', '--mfa-remember-days', '14');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/second factors\s+required, remember browsers 14 days/);
    expect((await readTenantSettings(testScope(platform, tenantId, db))).mfa).toEqual({ policy: 'required', requiredForTenantAdmins: false, rememberBrowserDays: 14 });
    await tansu('tenant', 'settings', tenantId, '--mfa', 'optional', '--mfa-remember-days', '0');
  });

  it('invites by mail without printing the token, lists the id, sends again under a new token, and revokes', async () => {
    const run = await tansu('invite', 'create', tenantId, '--email', 'new@example.test', '--role', 'viewer', '--json');
    expect(run.code, run.stderr).toBe(0);
    const created = JSON.parse(run.stdout);
    expect(Object.keys(created).sort()).toEqual(['invitation', 'mail_id']);
    expect(created.invitation).toMatchObject({ email: 'new@example.test', roles: ['viewer'] });
    const token = await invitationTokenIn(db, created.mail_id);
    expect(run.stdout + run.stderr).not.toContain(token);
    const row = await db.selectFrom('invitations').selectAll().where('id', '=', created.invitation.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashInvitationToken(token));

    const listed = await tansu('invite', 'list', tenantId);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`new@example\\.test\\s+${created.invitation.id}\\s`));

    const resent = await tansu('invite', 'resend', tenantId, created.invitation.id, '--expires-days', '2');
    expect(resent.code, resent.stderr).toBe(0);
    const mailId = /mail\s+([0-9a-f-]{36})/.exec(resent.stdout)?.[1];
    expect(mailId, resent.stdout).toBeDefined();
    const newToken = await invitationTokenIn(db, mailId!);
    expect(resent.stdout).not.toContain(newToken);
    const renewed = await db.selectFrom('invitations').selectAll().where('id', '=', created.invitation.id).executeTakeFirstOrThrow();
    expect(renewed.token_hash).toBe(hashInvitationToken(newToken));
    expect((renewed.expires_at.getTime() - Date.now()) / 86_400_000).toBeCloseTo(2, 1);

    const revoked = await tansu('invite', 'revoke', tenantId, created.invitation.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await db.selectFrom('invitations').select('id').where('id', '=', created.invitation.id).execute()).toEqual([]);
    const gone = await tansu('invite', 'resend', tenantId, created.invitation.id);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('invitation_not_found');
    noStack(gone.stderr);
  });

  it.each(['0', '31', '2.5', 'week'])('refuses --expires-days %s naming the flag, with exit 2 and no invitation', async (days) => {
    const run = await tansu('invite', 'create', tenantId, '--email', `later-${days}@example.test`, '--expires-days', days);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`tansu: --expires-days must be a whole number of days from 1 to 30, got "${days}" (usage)\n`);
    expect(await db.selectFrom('invitations').select('id').where('email', '=', `later-${days}@example.test`).execute()).toEqual([]);
  });
});
