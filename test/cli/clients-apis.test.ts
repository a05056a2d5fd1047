import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { cliEnv, runTansu } from '../support/cli.ts';

let bed: OidcTestBed;
let tenant: TestTenant;
let env: Record<string, string>;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('clic'));
  env = cliEnv(bed.platform.config);
});
afterAll(async () => {
  await bed?.close();
});

const tansu = (...args: string[]) => runTansu(args, env);
const REDIRECT_URI = 'https://app.cli.test/callback';

/** The authorization endpoint's first answer for a PKCE code request by `clientId`. */
async function authorize(clientId: string): Promise<Response> {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const url = new URL(`${tenant.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return fetch(url, { redirect: 'manual' });
}

/** One line on stderr, the CLI's error format, and no stack trace. */
function expectOneLineError(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^tansu: [^\\n]+ \\(${code}\\)\\n$`));
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('tansu api create / list / delete', () => {
  it('creates an API, lists it as JSON and as a table, and deletes it', async () => {
    const created = await tansu('api', 'create', tenant.id, '--identifier', 'https://orders.cli.test', '--scopes', 'orders:read,orders:write', '--ttl', '900', '--default', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      identifier: 'https://orders.cli.test',
      name: 'https://orders.cli.test',
      scopes: ['orders:read', 'orders:write'],
      access_token_ttl: 900,
      is_default: true,
    });
    const row = await tenant.db.selectFrom('api_resources').selectAll().where('identifier', '=', 'https://orders.cli.test').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ scopes: ['orders:read', 'orders:write'], access_token_ttl: 900, is_default: true });

    const human = await tansu('api', 'create', tenant.id, '--identifier', 'https://billing.cli.test', '--name', 'Billing');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe('created API https://billing.cli.test with scopes: (none)\n');

    const listed = await tansu('api', 'list', tenant.id, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const apis = JSON.parse(listed.stdout) as { identifier: string; created_at: string }[];
    expect(apis.map((a) => a.identifier).sort()).toEqual(['https://billing.cli.test', 'https://orders.cli.test']);
    expect(Number.isNaN(Date.parse(apis[0]!.created_at))).toBe(false);

    const table = await tansu('api', 'list', tenant.id);
    expect(table.stdout.split('\n')[0]).toMatch(/^IDENTIFIER\s+SCOPES\s+TTL\s+DEFAULT\s+CREATED$/);
    expect(table.stdout).toMatch(/^https:\/\/orders\.cli\.test\s+orders:read,orders:write\s+900\s+yes\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(table.stdout).toMatch(/^https:\/\/billing\.cli\.test\s+-\s+3600\s+no\s/m);

    const deleted = await tansu('api', 'delete', tenant.id, 'https://billing.cli.test', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: 'https://billing.cli.test' });
    expect(await tenant.db.selectFrom('api_resources').select('identifier').where('identifier', '=', 'https://billing.cli.test').executeTakeFirst()).toBeUndefined();
    const after = JSON.parse((await tansu('api', 'list', tenant.id, '--json')).stdout) as { identifier: string }[];
    expect(after.map((a) => a.identifier)).toEqual(['https://orders.cli.test']);

    const again = await tansu('api', 'delete', tenant.id, 'https://billing.cli.test');
    expect(again.code).toBe(1);
    expectOneLineError(again.stderr, 'api_not_found');
  });

  it.each([
    [['--identifier', 'not a uri'], 'invalid_resource'],
    [['--identifier', 'https://x.cli.test', '--scopes', 'openid'], 'invalid_scope'],
    [['--identifier', 'https://x.cli.test', '--ttl', 'soon'], 'usage'],
    [['--identifier', 'https://x.cli.test', '--ttl', '5'], 'invalid_ttl'],
    [['--scopes', 'a'], 'usage'],
  ])('refuses api create %j with exit 2 and creates nothing', async (options, code) => {
    const run = await tansu('api', 'create', tenant.id, ...options);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLineError(run.stderr, code);
    expect(await tenant.db.selectFrom('api_resources').select('identifier').where('identifier', '=', 'https://x.cli.test').executeTakeFirst()).toBeUndefined();
  });

  it('reports bad input as one JSON line on stderr with --json', async () => {
    const run = await tansu('api', 'create', tenant.id, '--identifier', 'https://orders.cli.test#frag', '--json');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: 'invalid_resource', error_description: expect.stringContaining('resource indicator') });
  });
});

describe('tansu client create / list / delete', () => {
  it('creates a public client with no secret that the authorization endpoint accepts, lists it, and deletes it', async () => {
    const created = await tansu('client', 'create', tenant.id, '--name', 'web', '--type', 'public', '--redirect-uri', REDIRECT_URI, '--json');
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(client).toMatchObject({
      name: 'web',
      type: 'public',
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT_URI],
      first_party: false,
    });
    expect(client.client_id).toEqual(expect.stringMatching(/^\S{8,}$/));
    expect(client).not.toHaveProperty('client_secret');
    expect(created.stdout).not.toMatch(/secret/);
    const clientId = client.client_id as string;
    // Letters and digits only: a base64url id could start with "-" and read as an option.
    expect(clientId).toMatch(/^[A-Za-z0-9]{22}$/);
    const row = await tenant.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'web', type: 'public', secret_hash: null, redirect_uris: [REDIRECT_URI] });

    // The provider knows the client: a valid request goes on to the interaction, not to an error page.
    const accepted = await authorize(clientId);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toMatch(/\/interaction\//);

    const listed = await tansu('client', 'list', tenant.id, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const clients = JSON.parse(listed.stdout) as { client_id: string; name: string }[];
    expect(clients).toContainEqual(expect.objectContaining({ client_id: clientId, name: 'web' }));
    expect(listed.stdout).not.toContain('secret_hash');

    const table = await tansu('client', 'list', tenant.id);
    expect(table.stdout.split('\n')[0]).toMatch(/^CLIENT_ID\s+NAME\s+TYPE\s+AUTH\s+GRANTS\s+FIRST_PARTY\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`^${clientId}\\s+web\\s+public\\s+none\\s+\\S*authorization_code\\S*\\s+no\\s`, 'm'));

    const deleted = await tansu('client', 'delete', tenant.id, clientId);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`deleted client ${clientId}\n`);
    expect(await tenant.db.selectFrom('clients').select('client_id').where('client_id', '=', clientId).executeTakeFirst()).toBeUndefined();
    const refused = await authorize(clientId);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/invalid_client/);

    const again = await tansu('client', 'delete', tenant.id, clientId, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: 'client_not_found' });
  });

  it('prints a human summary: no secret line for a public client, a working one-time secret for a confidential one', async () => {
    const spa = await tansu('client', 'create', tenant.id, '--name', 'spa', '--type', 'public', '--redirect-uri', REDIRECT_URI);
    expect(spa.code, spa.stderr).toBe(0);
    expect(spa.stdout).toMatch(/^created public client "spa"\n {2}client_id {5}\S+\n {2}auth method {3}none\n {2}grants {8}.*authorization_code/);
    expect(spa.stdout).not.toMatch(/client_secret/);

    const svc = await tansu('client', 'create', tenant.id, '--name', 'svc', '--type', 'confidential', '--grant', 'client_credentials');
    expect(svc.code, svc.stderr).toBe(0);
    const clientId = /^ {2}client_id {5}(\S+)$/m.exec(svc.stdout)![1]!;
    const secret = /^ {2}client_secret (\S+) {3}\(shown once/m.exec(svc.stdout)![1]!;
    const stored = await tenant.db.selectFrom('clients').select('secret_hash').where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(stored.secret_hash).toBe(crypto.createHash('sha256').update(secret).digest('hex'));
    const token = await fetch(`${tenant.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(token.status).toBe(200);

    // A TV app: the device grant alone, no redirect URI, tokens only DPoP-bound.
    const tv = await tansu('client', 'create', tenant.id, '--name', 'tv', '--type', 'public', '--grant', 'urn:ietf:params:oauth:grant-type:device_code', '--dpop');
    expect(tv.code, tv.stderr).toBe(0);
    expect(tv.stdout).toMatch(/^ {2}grants {8}urn:ietf:params:oauth:grant-type:device_code\n {2}requires {6}DPoP$/m);
  });

  it.each([
    [['--name', 'x', '--type', 'secret'], 'usage'],
    [['--name', 'spa', '--type', 'public'], 'invalid_redirect_uri'],
    [['--name', 'spa', '--type', 'public', '--redirect-uri', 'https://app.cli.test/cb#frag'], 'invalid_redirect_uri'],
    [['--name', 'svc', '--type', 'public', '--grant', 'client_credentials', '--redirect-uri', REDIRECT_URI], 'invalid_client_metadata'],
    [['--type', 'public'], 'usage'],
  ])('refuses client create %j with exit 2 and registers nothing', async (options, code) => {
    const before = await tenant.db.selectFrom('clients').select('client_id').execute();
    const run = await tansu('client', 'create', tenant.id, ...options);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLineError(run.stderr, code);
    expect(await tenant.db.selectFrom('clients').select('client_id').execute()).toHaveLength(before.length);
  });

  it.each([
    [['client', 'list', 'nosuch-tenant']],
    [['client', 'create', 'nosuch-tenant', '--name', 'web', '--type', 'public', '--redirect-uri', REDIRECT_URI]],
    [['api', 'list', 'nosuch-tenant']],
    [['api', 'delete', 'nosuch-tenant', 'https://orders.cli.test']],
  ])('answers %j for an unknown tenant with exit 1', async (args) => {
    const run = await tansu(...args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('tansu: tenant "nosuch-tenant" does not exist (tenant_not_found)\n');
  });
});

// Each test spawns several `tansu` processes, seconds each on a loaded machine.
describe('tansu client grant-api / revoke-api', { timeout: 240_000 }, () => {
  const API = 'https://grants.cli.test';

  it('grants a machine client an API, which then gets tokens for it, and revokes it', async () => {
    expect((await tansu('api', 'create', tenant.id, '--identifier', API, '--scopes', 'read')).code).toBe(0);
    const svc = JSON.parse((await tansu('client', 'create', tenant.id, '--name', 'machine', '--type', 'confidential', '--json')).stdout) as { client_id: string; client_secret: string };
    const token = () =>
      fetch(`${tenant.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${svc.client_id}:${svc.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }),
      });
    expect(await (await token()).json()).toMatchObject({ error: 'invalid_target' });

    const granted = await tansu('client', 'grant-api', tenant.id, svc.client_id, API, '--json');
    expect(granted.code, granted.stderr).toBe(0);
    expect(JSON.parse(granted.stdout)).toEqual({ client_id: svc.client_id, api: API, changed: true });
    await expect.poll(async () => (await token()).status, { timeout: 10_000 }).toBe(200);
    const again = await tansu('client', 'grant-api', tenant.id, svc.client_id, API);
    expect(again.stdout).toBe(`client ${svc.client_id} already had API ${API}\n`);

    const revoked = await tansu('client', 'revoke-api', tenant.id, svc.client_id, API);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked API ${API} from client ${svc.client_id}\n`);
    await expect.poll(async () => (await token()).status, { timeout: 10_000 }).toBe(400);

    const notGranted = await tansu('client', 'revoke-api', tenant.id, svc.client_id, API, '--json');
    expect(notGranted.code).toBe(1);
    expect(JSON.parse(notGranted.stderr)).toMatchObject({ error: 'api_grant_not_found' });
    const unknownApi = await tansu('client', 'grant-api', tenant.id, svc.client_id, 'https://nope.cli.test');
    expect(unknownApi.code).toBe(1);
    expectOneLineError(unknownApi.stderr, 'api_not_found');
  });

  it("grants and revokes the tenant's built-in admin API, <issuer>/admin, like any other API", async () => {
    const ADMIN = `${tenant.issuer}/admin`;
    const svc = JSON.parse((await tansu('client', 'create', tenant.id, '--name', 'admin automation', '--type', 'confidential', '--json')).stdout) as { client_id: string; client_secret: string };
    const token = () =>
      fetch(`${tenant.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${svc.client_id}:${svc.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: ADMIN, scope: 'users:read' }),
      });
    expect(await (await token()).json()).toMatchObject({ error: 'invalid_target' });

    const granted = await tansu('client', 'grant-api', tenant.id, svc.client_id, ADMIN, '--json');
    expect(granted.code, granted.stderr).toBe(0);
    expect(JSON.parse(granted.stdout)).toEqual({ client_id: svc.client_id, api: ADMIN, changed: true });
    await expect.poll(async () => (await token()).status, { timeout: 10_000 }).toBe(200);
    const { access_token: accessToken } = (await (await token()).json()) as { access_token: string };
    const me = await fetch(`${tenant.issuer}/admin/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await me.json()).toEqual({ subject: svc.client_id, type: 'client', scopes: ['users:read'], client_id: svc.client_id });

    const revoked = await tansu('client', 'revoke-api', tenant.id, svc.client_id, ADMIN);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked API ${ADMIN} from client ${svc.client_id}\n`);
    await expect.poll(async () => (await token()).status, { timeout: 10_000 }).toBe(400);
    // A token issued before the revocation is refused by the admin API at once.
    expect((await fetch(`${tenant.issuer}/admin/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
  });

  it('refuses to grant an API to a client that does not use client credentials, with exit 2', async () => {
    const spa = JSON.parse((await tansu('client', 'create', tenant.id, '--name', 'spa2', '--type', 'public', '--redirect-uri', REDIRECT_URI, '--json')).stdout) as { client_id: string };
    const run = await tansu('client', 'grant-api', tenant.id, spa.client_id, API);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLineError(run.stderr, 'client_credentials_not_enabled');
    const missingArgument = await tansu('client', 'grant-api', tenant.id, spa.client_id);
    expect(missingArgument.code).toBe(2);
  });
});

// Each test spawns several `tansu` processes, seconds each on a loaded machine.
describe('tansu client rotate-secret', { timeout: 240_000 }, () => {
  const tokenStatus = async (clientId: string, secret: string) => {
    const response = await fetch(`${tenant.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    await response.arrayBuffer();
    return response.status;
  };

  it('prints a new secret once; with --grace-days the old one keeps working, without it the old one stops', async () => {
    const svc = JSON.parse((await tansu('client', 'create', tenant.id, '--name', 'rotated', '--type', 'confidential', '--json')).stdout) as { client_id: string; client_secret: string };

    const gentle = await tansu('client', 'rotate-secret', tenant.id, svc.client_id, '--grace-days', '3', '--json');
    expect(gentle.code, gentle.stderr).toBe(0);
    const second = JSON.parse(gentle.stdout) as { client_id: string; client_secret: string; previous_secret_expires_at: string };
    expect(second).toEqual({ client_id: svc.client_id, client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), previous_secret_expires_at: expect.any(String) });
    expect(Date.parse(second.previous_secret_expires_at) - Date.now()).toBeGreaterThan(2 * 86_400_000);
    await expect.poll(() => tokenStatus(svc.client_id, second.client_secret), { timeout: 30_000 }).toBe(200);
    expect(await tokenStatus(svc.client_id, svc.client_secret)).toBe(200);

    const abrupt = await tansu('client', 'rotate-secret', tenant.id, svc.client_id);
    expect(abrupt.code, abrupt.stderr).toBe(0);
    expect(abrupt.stdout).toMatch(new RegExp(`^rotated the secret of client ${svc.client_id}\\n {2}client_secret (\\S+) {3}\\(shown once; only its SHA-256 is stored\\)\\n {2}old secret {4}no longer valid\\n$`));
    const third = /client_secret (\S+)/.exec(abrupt.stdout)![1]!;
    await expect.poll(() => tokenStatus(svc.client_id, third), { timeout: 30_000 }).toBe(200);
    // Rotating again ended the grace of the first secret, and this rotation gave the second none.
    expect(await tokenStatus(svc.client_id, second.client_secret)).toBe(401);
    expect(await tokenStatus(svc.client_id, svc.client_secret)).toBe(401);
  });

  it.each([
    [['--grace-days', '8'], 2, 'usage'],
    [['--grace-days', 'one'], 2, 'usage'],
    [['--grace-days', '-1'], 2, 'usage'],
  ])('refuses %j naming the flag, and changes nothing', async (options, exit, code) => {
    const svc = JSON.parse((await tansu('client', 'create', tenant.id, '--name', 'kept', '--type', 'confidential', '--json')).stdout) as { client_id: string };
    const before = await tenant.db.selectFrom('clients').select('secret_hash').where('client_id', '=', svc.client_id).executeTakeFirstOrThrow();
    const run = await tansu('client', 'rotate-secret', tenant.id, svc.client_id, ...options);
    expect(run.code).toBe(exit);
    expectOneLineError(run.stderr, code);
    expect(run.stderr).toContain('--grace-days');
    expect(await tenant.db.selectFrom('clients').select('secret_hash').where('client_id', '=', svc.client_id).executeTakeFirstOrThrow()).toEqual(before);
  });

  it('refuses a public client and an unknown one with exit 1', async () => {
    const spa = JSON.parse((await tansu('client', 'create', tenant.id, '--name', 'spa3', '--type', 'public', '--redirect-uri', REDIRECT_URI, '--json')).stdout) as { client_id: string };
    const publicRun = await tansu('client', 'rotate-secret', tenant.id, spa.client_id);
    expect(publicRun.code).toBe(1);
    expectOneLineError(publicRun.stderr, 'client_secret_not_used');
    const unknown = await tansu('client', 'rotate-secret', tenant.id, 'NoSuchClient');
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown.stderr, 'client_not_found');
  });
});
