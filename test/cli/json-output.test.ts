import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { startTestDns, type TestDns } from '../support/dns.ts';
import { startSecondCluster, type SecondCluster } from '../support/second-cluster.ts';
import { keysNotSnakeCase } from '../support/json-style.ts';
import { allCommands } from '../../src/cli/commands/index.ts';
import { parseInvocation } from '../../src/cli/parse.ts';
import { setTenantStatus } from '../../src/platform/tenants.repository.ts';
import { withTenantScope } from '../../src/platform/tenant-access.ts';
import { enqueueMail, markMailFailed } from '../../src/modules/mail/mail-outbox.repository.ts';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../src/modules/mfa/enrolment.service.ts';
import { CLI_ACTOR } from '../../src/platform/tenant-scope.ts';
import { generate } from 'otplib';
import { secretContext } from '../../src/modules/connections/connection.ts';
import { TestSamlIdp } from '../support/saml-idp.ts';

/**
 * One JSON style: every `tansu … --json` prints snake_case keys at every depth, as the HTTP APIs
 * and OAuth/OIDC do. Each command runs as the runner runs it (parsed from its words, validated,
 * run, its data printed with JSON.stringify) against a real platform, in an order that gives each
 * one something to act on; a command missing from the script fails the test, so a new command
 * must show its output here too.
 */
let platform: TestPlatform;
let second: SecondCluster;
let dns: TestDns;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-json-'));
const outputs = new Map<string, unknown[]>();

beforeAll(async () => {
  dns = await startTestDns();
  [second, platform] = await Promise.all([startSecondCluster(), openTestPlatform(testConfig({ DNS_RESOLVER: dns.server, BASE_DOMAIN: 'json.test' }))]);
});
afterAll(async () => {
  await platform?.destroy();
  await second?.stop();
  await dns?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs one command as `tansu <argv> --json` would, and returns what it prints, parsed. */
async function tansuJson(...argv: string[]): Promise<any> {
  const invocation = parseInvocation([...argv, '--json'], allCommands);
  if (invocation.kind !== 'command') throw new Error(`not a command: ${argv.join(' ')}`);
  const { command, args, options } = invocation;
  command.validate?.({ args, options });
  const result = await command.run({ platform, args, options, json: true, interactive: false, stderr: new PassThrough() });
  const printed = JSON.parse(JSON.stringify(result.data, null, 2)) as unknown;
  const name = command.path.join(' ');
  outputs.set(name, [...(outputs.get(name) ?? []), printed]);
  return printed;
}

describe('tansu --json', () => {
  it('prints snake_case keys at every depth, for every command', async () => {
    const tenant = uniqueTenantId('json');
    const copy = uniqueTenantId('jsoncp');
    const demo = uniqueTenantId('jsondemo');

    await tansuJson('tenant', 'create', tenant);
    await tansuJson('tenant', 'list');
    await tansuJson('tenant', 'show', tenant);
    await tansuJson('tenant', 'suspend', tenant);
    await tansuJson('tenant', 'resume', tenant);
    await tansuJson('tenant', 'settings', tenant, '--signup', 'invite');

    await tansuJson('user', 'create', tenant, '--email', 'json@example.test', '--role', 'editor', '--verified');
    await tansuJson('user', 'list', tenant);
    await tansuJson('user', 'send-reset', tenant, '--email', 'json@example.test');
    await tansuJson('user', 'create', tenant, '--email', 'unconfirmed@example.test');
    await tansuJson('user', 'resend-verification', tenant, '--email', 'unconfirmed@example.test');
    await tansuJson('tenant', 'settings', tenant, '--verified-email-required', 'true');
    await tansuJson('user', 'disable', tenant, '--email', 'json@example.test');
    await tansuJson('user', 'enable', tenant, '--email', 'json@example.test');
    await tansuJson('user', 'create', tenant, '--email', 'leaving@example.test');
    await tansuJson('user', 'delete', tenant, '--email', 'leaving@example.test', '--yes');
    await tansuJson('tenant', 'settings', tenant, '--mfa', 'required', '--mfa-required-for-admins', 'true', '--mfa-remember-days', '7');
    await tansuJson('branding', tenant, '--display-name', 'Json Co', '--primary-color', '#0a7d4f', '--default-language', 'tr');
    const branding = await tansuJson('branding', tenant);
    expect(branding).toMatchObject({ display_name: 'Json Co', primary_color: '#0a7d4f', default_language: 'tr', logo: null });
    // A confirmed authenticator app, so the listing shows a factor's fields.
    await withTenantScope(platform, tenant, async (scope) => {
      const { id } = await scope.db.selectFrom('users').select('id').where('email', '=', 'json@example.test').executeTakeFirstOrThrow();
      const enrolment = await startTotpEnrolment(scope, { userId: id, issuerName: 'Json', accountName: 'json@example.test' });
      await confirmTotpEnrolment(scope, { userId: id, factorId: enrolment.factorId, code: await generate({ secret: enrolment.secret }) }, CLI_ACTOR);
    });
    await tansuJson('user', 'factors', tenant, 'json@example.test');
    await tansuJson('user', 'reset-mfa', tenant, 'json@example.test');
    const invited = await tansuJson('invite', 'create', tenant, '--email', 'invitee@example.test', '--role', 'viewer');
    await tansuJson('invite', 'list', tenant);
    await tansuJson('invite', 'resend', tenant, invited.invitation.id, '--expires-days', '3');
    await tansuJson('invite', 'revoke', tenant, invited.invitation.id);

    const mailId = await withTenantScope(platform, tenant, async ({ db }) => {
      const id = await enqueueMail(db, { to: 'json@example.test', template: 'invitation', subject: 'Invited', text: 'link', html: '<p>link</p>' });
      await markMailFailed(db, id, 15, 'refused');
      return id;
    });
    await tansuJson('mail', 'list', tenant);
    await tansuJson('mail', 'retry', tenant, mailId);
    await tansuJson('mail', 'sender', tenant, '--from-name', 'Json Co');
    await tansuJson('mail', 'template', tenant, 'invitation', '--subject', 'Join {{tenant_name}}');

    await tansuJson('api', 'create', tenant, '--identifier', 'https://orders.json.test', '--scopes', 'orders:read');
    await tansuJson('api', 'list', tenant);
    const machine = await tansuJson('client', 'create', tenant, '--name', 'Machine', '--type', 'confidential', '--grant', 'client_credentials');
    await tansuJson('client', 'create', tenant, '--name', 'Web', '--type', 'public', '--redirect-uri', 'https://web.json.test/cb', '--first-party');
    await tansuJson('client', 'list', tenant);
    await tansuJson('client', 'grant-api', tenant, machine.client_id, 'https://orders.json.test');
    await tansuJson('client', 'revoke-api', tenant, machine.client_id, 'https://orders.json.test');
    await tansuJson('client', 'rotate-secret', tenant, machine.client_id, '--grace-days', '1');
    await tansuJson('client', 'delete', tenant, machine.client_id);
    await tansuJson('api', 'delete', tenant, 'https://orders.json.test');

    const domain = await tansuJson('domain', 'add', tenant, 'auth.json-co.test');
    dns.setTxt(domain.verification.name, [domain.verification.value]);
    await tansuJson('domain', 'verify', tenant, 'auth.json-co.test');
    await tansuJson('domain', 'activate', tenant, 'auth.json-co.test');
    await tansuJson('domain', 'list', tenant);
    await tansuJson('domain', 'issuer', tenant, 'subdomain');
    await tansuJson('domain', 'remove', tenant, 'auth.json-co.test');

    const secretFile = path.join(dir, 'github-secret.txt');
    fs.writeFileSync(secretFile, 'gh-json-secret\nignored second line\n');
    const appleKeyFile = path.join(dir, 'AuthKey.p8');
    fs.writeFileSync(appleKeyFile, crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await tansuJson('idp', 'add', tenant, 'github', '--type', 'github', '--client-id', 'gh-client', '--client-secret-file', secretFile, '--domain', 'json.test', '--default-role', 'member');
    await tansuJson('idp', 'add', tenant, 'apple', '--type', 'apple', '--client-id', 'test.json.signin', '--team-id', 'TEAM123456', '--key-id', 'KEY1234567', '--private-key-file', appleKeyFile);
    const samlMetadataFile = path.join(dir, 'idp-metadata.xml');
    fs.writeFileSync(samlMetadataFile, (await TestSamlIdp.start()).metadata);
    const saml = (await tansuJson('idp', 'add', tenant, 'acme-saml', '--type', 'saml', '--metadata-file', samlMetadataFile, '--trust-email', 'true')) as { saml: { acs_url: string } };
    expect(saml.saml.acs_url).toMatch(/\/connections\/acme-saml\/saml\/acs$/);
    await tansuJson('idp', 'update', tenant, 'github', '--display-name', 'GitHub (staff)', '--enabled', 'false');
    await tansuJson('idp', 'list', tenant);
    await tansuJson('idp', 'remove', tenant, 'apple', '--yes');

    await tansuJson('keys', 'list', tenant);
    await tansuJson('keys', 'rotate', tenant, '--grace-days', '1');
    await tansuJson('keys', 'policy', tenant, '--rotate-every-days', '20');
    await tansuJson('audit', 'list', tenant, '--action', 'signing_keys.policy_updated', '--limit', '5');

    // With a pooled URL (the server itself, under another application_name), so its key is printed too.
    const pooled = new URL(second.url);
    pooled.searchParams.set('application_name', 'json-output-pooled');
    await tansuJson('cluster', 'add', 'json-c2', '--url', second.url, '--pooled-url', pooled.href);
    await tansuJson('cluster', 'list');
    // On the second cluster: the admin tenant's database name is fixed, and the main cluster's is another test's.
    await tansuJson('tenant', 'create-admin', '--cluster', 'json-c2');
    await tansuJson('tenant', 'move', tenant, '--to', 'json-c2');
    const backup = path.join(dir, 'tenant.tansu-backup');
    await tansuJson('tenant', 'backup', tenant, '--out', backup);
    await tansuJson('tenant', 'restore', tenant, '--from', backup, '--as', copy);
    // The copy's connection secrets are sealed again under the copy's id, so they open there.
    const copiedSecret = await withTenantScope(platform, copy, async ({ db, secrets }) => {
      const row = await db.selectFrom('identity_providers').selectAll().where('name', '=', 'github').executeTakeFirstOrThrow();
      return secrets.open(row.client_secret_encrypted!, secretContext({ id: copy }, row.id));
    });
    expect(copiedSecret).toBe('gh-json-secret');
    // As an interrupted move or restore leaves it.
    await setTenantStatus(platform.db, copy, 'maintenance');
    await tansuJson('tenant', 'recover', copy);

    await tansuJson('migrate');
    await tansuJson('pgcat-config', '--admin-password', 'pgcat-admin-secret');
    await tansuJson('pgcat-config', '--admin-password', 'pgcat-admin-secret', '--out', path.join(dir, 'pgcat.toml'));
    await tansuJson('pgbouncer-userlist');
    await tansuJson('pgbouncer-userlist', '--out', path.join(dir, 'userlist.txt'));
    await tansuJson('demo', '--tenant', demo);

    await tansuJson('tenant', 'delete', tenant, '--yes');
    await tansuJson('tenant', 'delete', copy, '--yes');
    await tansuJson('tenant', 'delete', 'admin', '--yes');
    await tansuJson('cluster', 'remove', 'json-c2');

    const offending = [...outputs].flatMap(([name, printed]) => printed.flatMap((data) => keysNotSnakeCase(data).map((key) => `${name}: ${key}`)));
    expect(offending).toEqual([]);
    const unscripted = allCommands.map((command) => command.path.join(' ')).filter((name) => !outputs.has(name));
    expect(unscripted).toEqual([]);
  });

  it('names the renamed fields as the README shows them', () => {
    const [created] = outputs.get('tenant create') as any[];
    expect(Object.keys(created.tenant)).toEqual(['id', 'name', 'status', 'issuer', 'cluster', 'database', 'failure_reason', 'created_at', 'updated_at']);
    expect(created.admin).toEqual({ email: expect.any(String), password: expect.any(String) });
    const [users] = outputs.get('user list') as any[][];
    expect(users!.find((user) => user.email === 'json@example.test')).toMatchObject({ email_verified: true, roles: ['editor'], locked_until: null });
    const [disabled] = outputs.get('user disable') as any[];
    expect(disabled).toMatchObject({ email: 'json@example.test', status: 'disabled', given_name: null, family_name: null });
    expect(outputs.get('user enable')).toEqual([expect.objectContaining({ email: 'json@example.test', status: 'active' })]);
    expect(outputs.get('user delete')).toEqual([{ deleted: expect.any(String), email: 'leaving@example.test' }]);
    const [clusters] = outputs.get('cluster list') as any[][];
    expect(clusters!.find((cluster) => cluster.name === 'json-c2')).toMatchObject({ pooled_url: expect.any(String), tenants: 0 });
    const [keys] = outputs.get('keys list') as any[];
    expect(keys.policy).toEqual({ rotate_every_days: 30, grace_days: 7 });
    const [audit] = outputs.get('audit list') as any[][];
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'cli',
        action: 'signing_keys.policy_updated',
        details: { before: { rotate_every_days: 30, grace_days: 7 }, after: { rotate_every_days: 20, grace_days: 7 } },
      }),
    ]);
    for (const name of ['invite create', 'invite resend']) {
      const [mailed] = outputs.get(name) as any[];
      expect(Object.keys(mailed).sort(), name).toEqual(['invitation', 'mail_id']);
    }
    const [reset] = outputs.get('user send-reset') as any[];
    expect(Object.keys(reset).sort()).toEqual(['email', 'expires_at', 'mail_id', 'user_id']);
    const settings = outputs.get('tenant settings') as any[];
    expect(settings.at(-1)).toEqual({
      signup: 'invite',
      verified_email_required: true,
      verified_email_required_is_default: false,
      magic_links: false,
      token_lifetimes: { access_token: 3600, id_token: 3600, refresh_token: 1_209_600, session: 1_209_600 },
      retention_days: { audit_events: 365, login_activity: 90 },
      mfa: { policy: 'required', required_for_tenant_admins: true, remember_browser_days: 7 },
      rate_limits: { token: null, token_per_client: null, authorization: null, authorization_per_client: null, api: null, clients: {} },
    });
    const [factors] = outputs.get('user factors') as any[];
    expect(factors).toEqual({
      user_id: expect.any(String),
      factors: [{ id: expect.any(String), kind: 'totp', label: 'Authenticator app', confirmed_at: expect.any(String), last_used_at: expect.any(String), created_at: expect.any(String) }],
      recovery_codes_left: 10,
    });
    expect(outputs.get('user reset-mfa')).toEqual([{ user_id: factors.user_id, factors_removed: 1, recovery_codes_removed: 10 }]);
    const [adminTenant] = outputs.get('tenant create-admin') as any[];
    expect(adminTenant).toMatchObject({ tenant: { id: 'admin', cluster: 'json-c2' }, platform_api: { identifier: expect.stringMatching(/\/t\/admin\/platform$/), scope: 'platform:admin' } });
    const [domains] = outputs.get('domain list') as any[];
    expect(domains).toMatchObject({
      issuer: { issuer: 'http://auth.json-co.test:8080', form: 'domain', domain: 'auth.json-co.test', previous_issuer: expect.stringMatching(/\/t\/json-/) },
      domains: [{ domain: 'auth.json-co.test', status: 'active', verification: { type: 'TXT', name: '_tansu-challenge.auth.json-co.test' }, verified_at: expect.any(String) }],
    });
    const [subdomain] = outputs.get('domain issuer') as any[];
    expect(subdomain).toMatchObject({ form: 'subdomain', issuer: expect.stringMatching(/^http:\/\/json-[0-9a-f]+\.json\.test:8080$/), previous_issuer: 'http://auth.json-co.test:8080' });

    const [connections] = outputs.get('idp list') as any[][];
    expect(connections!.map((connection) => [connection.name, connection.type, connection.enabled, connection.client_secret_set])).toEqual([
      // The SAML connection's secret is its own SP key, made when it was added.
      ['acme-saml', 'saml', true, true],
      ['apple', 'apple', true, true],
      ['github', 'github', false, true],
    ]);
    expect(connections![2]).toMatchObject({ display_name: 'GitHub (staff)', domains: ['json.test'], default_roles: ['member'], redirect_uri: expect.stringMatching(/\/connections\/callback$/) });
    expect(outputs.get('idp remove')).toEqual([{ removed: 'apple', unlinked_identities: 0 }]);
    // The secret went in from its file's first line, and comes out nowhere.
    expect(JSON.stringify([...outputs.values()])).not.toContain('gh-json-secret');
    expect(JSON.stringify([...outputs.values()])).not.toContain('PRIVATE KEY');
    const [moved] = outputs.get('tenant move') as any[];
    expect(moved).toMatchObject({ from: 'main', to: 'json-c2', source_dropped: true, unavailable_ms: expect.any(Number) });
  });
});
