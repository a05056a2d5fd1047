import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { SERVER_START_MS, SLOW_MACHINE_MS } from '../support/eventually.ts';
import { cliEnv } from '../support/cli.ts';
import { signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { createClient, deleteTenantClient } from '../../src/modules/clients/clients.service.ts';
import { createUser } from '../../src/modules/users/users.service.ts';
import { freePort } from '../support/ports.ts';
import { TEST_ACTOR, testScope } from '../support/scope.ts';

/**
 * Two real `node src/main.ts` processes (one worker each) on one platform database, both with the
 * first one's PUBLIC_URL, like two nodes behind a balancer: whatever one issues the other honours,
 * and a client change made elsewhere reaches both through NOTIFY.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const EMAIL = 'robin@two-processes.test';
const PASSWORD = 'robin-Secret-123';

interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}


function startServer(port: number, publicUrl: string): ServerProcess {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
    cwd: ROOT,
    env: { ...cliEnv(config), PORT: String(port), WORKERS: '1', PUBLIC_URL: publicUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

async function waitHealthy(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + SERVER_START_MS;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`${server.url} exited ${server.child.exitCode}: ${server.output()}`);
    const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${server.url} did not become healthy: ${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await server.exited;
  clearTimeout(timer);
}

let config: ReturnType<typeof testConfig>;
let platform: TestPlatform;
let a: ServerProcess;
let b: ServerProcess;
let tenantId: string;
let issuer: string;
let tenantDb: TenantDb;
let clientId: string;
let metadata: oidc.ServerMetadata;

beforeAll(async () => {
  const portA = await freePort();
  const portB = await freePort([portA]);
  const publicUrl = `http://127.0.0.1:${portA}`;
  config = testConfig({ PUBLIC_URL: publicUrl });
  // The platform database is created and migrated here, so the two processes only open it.
  platform = await openTestPlatform(config);
  a = startServer(portA, publicUrl);
  b = startServer(portB, publicUrl);

  tenantId = uniqueTenantId('two');
  const created = await createTenant(platform, { id: tenantId });
  issuer = created.issuer;
  tenantDb = openTenantDatabase(clusterUrl(), created.tenant.database_name, 2);
  const tenant = testScope(platform, tenantId, tenantDb);
  await createUser(tenant, { email: EMAIL, password: PASSWORD, name: 'Robin', emailVerified: true }, TEST_ACTOR);
  clientId = (await createClient(tenant, { name: 'portal', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR)).client.client_id;

  await Promise.all([waitHealthy(a), waitHealthy(b)]);
  const discovered = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  metadata = discovered.serverMetadata();
});

afterAll(async () => {
  await Promise.all([stopServer(a), stopServer(b)]);
  await tenantDb?.destroy();
  await platform?.destroy();
});

/** The issuer's metadata with every endpoint sent to `server` instead; the issuer itself is unchanged. */
function at(server: ServerProcess, id = clientId, auth: oidc.ClientAuth = oidc.None()): oidc.Configuration {
  const port = new URL(server.url).port;
  const moved: Record<string, unknown> = { ...metadata };
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string' || !(key.endsWith('_endpoint') || key === 'jwks_uri')) continue;
    const url = new URL(value);
    url.port = port;
    moved[key] = url.href;
  }
  const configuration = new oidc.Configuration(moved as oidc.ServerMetadata, id, undefined, auth);
  oidc.allowInsecureRequests(configuration);
  return configuration;
}

/** Whether `server` knows the public client: a bogus code is `invalid_grant` for a known client, `invalid_client` otherwise. */
async function knowsClient(server: ServerProcess, id: string): Promise<boolean> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: REDIRECT_URI, client_id: id, code_verifier: 'v'.repeat(43) });
  const response = await fetch(`${server.url}/t/${tenantId}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const { error } = (await response.json()) as { error: string };
  if (error !== 'invalid_grant' && error !== 'invalid_client') throw new Error(`unexpected token error at ${server.url}: ${error}`);
  return error === 'invalid_grant';
}

/** Polls until both processes answer `expected`; false if they have not within the time. */
async function bothWithin(ms: number, id: string, expected: boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answers = await Promise.all([knowsClient(a, id), knowsClient(b, id)]);
    if (answers.every((answer) => answer === expected)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two server processes on one database', () => {
  let refreshToken: string;
  let accessToken: string;
  let sub: string;

  it('publish the same discovery document for the tenant', async () => {
    const [fromA, fromB] = await Promise.all(
      [a, b].map(async (server) => (await fetch(`${server.url}/t/${tenantId}/.well-known/openid-configuration`)).json()),
    );
    expect(fromA).toMatchObject({ issuer });
    expect(fromB).toEqual(fromA);
  });

  it('redeem at B a code from a login at A; the ID token verifies with B’s JWKS', async () => {
    const atA = at(a);
    const atB = at(b);
    expect(new URL(atA.serverMetadata().authorization_endpoint!).origin).toBe(a.url);
    expect(new URL(atB.serverMetadata().token_endpoint!).origin).toBe(b.url);

    const { url, verifier, state, nonce } = await startAuthorization(atA, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email offline_access',
      // OIDC Core §11: offline_access (a refresh token) is only granted with prompt=consent.
      prompt: 'consent',
    });
    const trace = await signIn(new TestBrowser(), url, { email: EMAIL, password: PASSWORD, redirectUri: REDIRECT_URI });
    expect(trace.sawLoginPage).toBe(true);
    expect(trace.callback.searchParams.get('code')).toBeTruthy();

    const tokens = await oidc.authorizationCodeGrant(atB, trace.callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.refresh_token).toBeTruthy();
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(atB.serverMetadata().jwks_uri!)), { issuer, audience: clientId });
    expect(payload).toMatchObject({ email: EMAIL, nonce });
    refreshToken = tokens.refresh_token!;
    sub = payload.sub!;
  });

  it('refresh at A with the refresh token B issued', async () => {
    const rotated = await oidc.refreshTokenGrant(at(a), refreshToken);
    expect(rotated.claims()?.sub).toBe(sub);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(refreshToken);
    expect((await oidc.tokenIntrospection(at(a), rotated.access_token)).active).toBe(true);
    refreshToken = rotated.refresh_token!;
    accessToken = rotated.access_token;
  });

  it('revoke at B: A then reports the grant’s tokens inactive and refuses the refresh token', async () => {
    expect((await oidc.tokenIntrospection(at(a), refreshToken)).active).toBe(true);
    await oidc.tokenRevocation(at(b), refreshToken);
    // Revoking a refresh token revokes its whole grant, the access token issued at A included.
    expect((await oidc.tokenIntrospection(at(a), refreshToken)).active).toBe(false);
    expect((await oidc.tokenIntrospection(at(a), accessToken)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(at(a), refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('know a client created after both served the tenant within seconds, and forget it when deleted', async () => {
    // Both have served the tenant and hold its catalog, with the first client in it.
    expect(await knowsClient(a, clientId)).toBe(true);
    expect(await knowsClient(b, clientId)).toBe(true);

    const tenant = testScope(platform, tenantId, tenantDb);
    const { client } = await createClient(tenant, { name: 'late', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
    expect(await bothWithin(SLOW_MACHINE_MS, client.client_id, true)).toBe(true);

    // Both processes now hold the client in their catalogs; only the NOTIFY of the deletion drops it.
    await deleteTenantClient(tenant, client.client_id, TEST_ACTOR);
    expect(await bothWithin(SLOW_MACHINE_MS, client.client_id, false)).toBe(true);
  });
});
