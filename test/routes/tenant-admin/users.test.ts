import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../../support/platform.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { pollUntil } from '../../support/eventually.ts';
import { adminToken, callAdmin, machineClient, type MachineClient } from '../../support/admin-api.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { formsOf, signIn, startAuthorization, TestBrowser } from '../../support/browser.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';

/**
 * The users resource of the tenant admin API, over real HTTP against a real database: each route's
 * happy path, its refusals with stable codes, its scope, and that a user of tenant A is nobody at
 * tenant B. Disabling, deleting and re-passwording a user is proven on real tokens: a refresh
 * token and a browser session from before stop working.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let ops: MachineClient;
let readToken: string;
let writeToken: string;
let clientsOnlyToken: string;
let globexToken: string;
/** A confidential client allowed the legacy password grant: tokens for a user without a browser. */
let legacy: MachineClient;
let spa: oidc.Configuration;
let spaClientId: string;

beforeAll(async () => {
  bed = await startOidcTestBed();
  [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('users-acme')), createTestTenant(bed, uniqueTenantId('users-globex'))]);
  // Clients first: the provider loads a tenant's clients when it first serves it.
  const created = await createClient(acme, { name: 'Legacy app', type: 'confidential', grantTypes: ['password', 'refresh_token'] }, TEST_ACTOR);
  legacy = { clientId: created.client.client_id, secret: created.clientSecret! };
  const web = await createClient(acme, { name: 'Notes', type: 'public', redirectUris: [REDIRECT_URI] }, TEST_ACTOR);
  spaClientId = web.client.client_id;
  ops = await machineClient(acme, 'users automation', true);
  const globexOps = await machineClient(globex, 'globex automation', true);
  [readToken, writeToken, clientsOnlyToken, globexToken] = await Promise.all([
    adminToken(acme, ops, 'users:read'),
    adminToken(acme, ops, 'users:read users:write'),
    adminToken(acme, ops, 'clients:read'),
    adminToken(globex, globexOps, 'users:read users:write'),
  ]);
  spa = await oidc.discovery(new URL(acme.issuer), spaClientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
});
afterAll(async () => {
  await bed?.close();
});

let counter = 0;
/** A fresh user of acme with a known password. */
async function newUser(prefix: string, extra: { name?: string; roles?: string[] } = {}) {
  const email = `${prefix}-${++counter}@example.test`;
  const password = `pw ${email} long`;
  const { user } = await createUser(acme, { email, password, ...extra }, TEST_ACTOR);
  return { id: user.id, email, password };
}

async function tokenRequest(form: Record<string, string>) {
  const response = await fetch(`${acme.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${legacy.clientId}:${legacy.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** Signs in by the password grant and returns the refresh token (offline_access). */
async function refreshTokenOf(email: string, password: string): Promise<string> {
  const answer = await pollUntil(
    () => tokenRequest({ grant_type: 'password', username: email, password, scope: 'openid offline_access' }),
    (a) => a.status === 200,
  );
  expect(answer.status).toBe(200);
  return answer.body.refresh_token!;
}

const refresh = (refreshToken: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });

/** Signs in through the login and consent pages with offline_access: the browser keeps a session, the app a refresh token. */
async function browserSignIn(browser: TestBrowser, user: { email: string; password: string }, extra: Record<string, string> = {}) {
  const started = await startAuthorization(spa, { redirect_uri: REDIRECT_URI, scope: 'openid email offline_access', prompt: 'consent', ...extra });
  const trace = await signIn(browser, started.url, { email: user.email, password: user.password, redirectUri: REDIRECT_URI });
  const tokens = await oidc.authorizationCodeGrant(spa, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
  return { tokens, trace };
}

/** Whether the browser's session still signs it in: an authorization request that needs no login page. */
async function sessionSkipsLogin(browser: TestBrowser, user: { email: string; password: string }): Promise<boolean> {
  const started = await startAuthorization(spa, { redirect_uri: REDIRECT_URI, scope: 'openid email' });
  const trace = await signIn(browser, started.url, { email: user.email, password: user.password, redirectUri: REDIRECT_URI });
  return !trace.sawLoginPage;
}

/** Posts the user's right password on the login page once: 401 is the page refusing it. */
async function loginPageAnswer(user: { email: string; password: string }): Promise<number> {
  const browser = new TestBrowser();
  const started = await startAuthorization(spa, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  let url = started.url.href;
  let response = await browser.request(url);
  while (response.status >= 300 && response.status < 400) {
    url = new URL(response.headers.get('location')!, url).href;
    response = await browser.request(url);
  }
  const [login] = formsOf(await response.text(), url);
  const posted = await browser.request(login!.action, { form: { ...login!.fields, email: user.email, password: user.password } });
  await posted.arrayBuffer();
  return posted.status;
}

async function providerRowsOf(userId: string): Promise<string[]> {
  const { rows } = await sql<{ model: string }>`SELECT model FROM oidc_payloads WHERE payload->>'accountId' = ${userId} ORDER BY model`.execute(acme.db);
  return rows.map((row) => row.model);
}

async function auditOf(action: string, target: string) {
  return acme.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target', '=', target).orderBy('id', 'desc').execute();
}

const actor = () => `client:${ops.clientId}`;

describe('GET /users', () => {
  it('lists users by email and searches by email, name, role and status, page by page', async () => {
    const tag = `srch${Date.now()}`;
    const ann = await newUser(`${tag}-ann`, { name: 'Ann Example', roles: ['Editor'] });
    const bob = await newUser(`${tag}-bob`, { name: 'Bob Sample', roles: ['Viewer'] });
    const cid = await newUser(`${tag}-cid`, { name: 'Cid Example_Two', roles: ['Editor', 'Viewer'] });
    expect((await callAdmin(acme, `/users/${cid.id}/disable`, writeToken, { method: 'POST' })).status).toBe(200);

    const emails = async (query: string) => {
      const answer = await callAdmin(acme, `/users?${query}`, readToken);
      expect(answer.status).toBe(200);
      return (answer.body.items as { email: string }[]).map((user) => user.email);
    };
    expect(await emails(`email=${tag}`)).toEqual([ann.email, bob.email, cid.email]);
    expect(await emails(`email=${tag.toUpperCase()}-B`)).toEqual([bob.email]);
    expect(await emails(`email=${tag}&name=example`)).toEqual([ann.email, cid.email]);
    // `_` is a LIKE wildcard (it would match the space of "Ann Example"); here it is only itself.
    expect(await emails(`email=${tag}&name=n_E`)).toEqual([]);
    expect(await emails(`email=${tag}&name=example_two`)).toEqual([cid.email]);
    expect(await emails(`email=${tag}&role=Viewer`)).toEqual([bob.email, cid.email]);
    expect(await emails(`email=${tag}&status=disabled`)).toEqual([cid.email]);
    expect(await emails(`email=${tag}&status=active&role=Editor`)).toEqual([ann.email]);

    const first = await callAdmin(acme, `/users?email=${tag}&limit=2`, readToken);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items).toContainEqual(
      expect.objectContaining({ id: ann.id, email: ann.email, name: 'Ann Example', roles: ['Editor'], status: 'active', email_verified: false }),
    );
    const second = await callAdmin(acme, `/users?email=${tag}&limit=2&cursor=${first.body.next_cursor}`, readToken);
    expect(second.body).toEqual({ items: [expect.objectContaining({ email: cid.email, status: 'disabled' })], next_cursor: null });
  });

  it('refuses bad queries with stable codes', async () => {
    const refused = async (query: string) => {
      const answer = await callAdmin(acme, `/users?${query}`, readToken);
      expect(answer.status).toBe(400);
      return answer.body;
    };
    expect(await refused('cursor=not-a-cursor')).toMatchObject({ error: 'invalid_cursor' });
    expect(await refused('limit=0')).toMatchObject({ error: 'invalid_request' });
    expect(await refused('limit=201')).toMatchObject({ error: 'invalid_request' });
    expect(await refused('status=locked')).toMatchObject({ error: 'invalid_request' });
    expect(await refused('colour=blue')).toEqual({ error: 'invalid_request', error_description: 'query.colour is not a known field' });
  });

  it("never lists another tenant's users", async () => {
    const mine = await newUser('only-acme');
    const atGlobex = await callAdmin(globex, `/users?email=${encodeURIComponent(mine.email)}`, globexToken);
    expect(atGlobex.body).toEqual({ items: [], next_cursor: null });
  });
});

describe('GET /users/:id', () => {
  it('answers the user with an ETag that follows changes', async () => {
    const user = await newUser('get', { roles: ['Viewer'] });
    const answer = await callAdmin(acme, `/users/${user.id}`, readToken);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: user.id,
      email: user.email,
      name: null,
      given_name: null,
      family_name: null,
      email_verified: false,
      status: 'active',
      roles: ['Viewer'],
      locked_until: null,
      last_login_at: null,
      created_at: expect.any(String),
    });
    const etag = answer.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).headers.get('etag')).toBe(etag);
    await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { name: 'Renamed' } });
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).headers.get('etag')).not.toBe(etag);
  });

  it('answers 404 user_not_found for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const answer = await callAdmin(acme, `/users/${id}`, readToken);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe('user_not_found');
    }
  });
});

describe('POST /users', () => {
  it('creates a user as `tansu user create` does, audited with the caller', async () => {
    const answer = await callAdmin(acme, '/users', writeToken, {
      method: 'POST',
      body: { email: 'New.Person@Example.test', password: 'a long password 1', name: 'New Person', roles: ['Editor'], email_verified: true },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.password).toBeUndefined();
    const user = answer.body.user as { id: string };
    expect(answer.body.user).toMatchObject({ email: 'new.person@example.test', name: 'New Person', roles: ['Editor'], email_verified: true, status: 'active' });
    expect((await tokenRequest({ grant_type: 'password', username: 'new.person@example.test', password: 'a long password 1' })).status).toBe(200);

    const [event] = await auditOf('user.created', user.id);
    expect(event).toMatchObject({ actor: actor(), ip: expect.any(String) });
    expect(event!.details).toEqual({
      after: { email: 'new.person@example.test', name: 'New Person', given_name: null, family_name: null, email_verified: true, status: 'active', roles: ['Editor'] },
    });
  });

  it('generates a password when none is given, answered once and usable', async () => {
    const answer = await callAdmin(acme, '/users', writeToken, { method: 'POST', body: { email: 'generated@example.test' } });
    expect(answer.status).toBe(201);
    expect(answer.body.password).toEqual(expect.any(String));
    expect(JSON.stringify(answer.body)).not.toContain('argon2');
    const signedIn = await tokenRequest({ grant_type: 'password', username: 'generated@example.test', password: answer.body.password as string });
    expect(signedIn.status).toBe(200);
  });

  it('refuses a taken email, a weak password, a bad email, role or name, and unknown fields', async () => {
    const taken = await newUser('taken');
    const create = (body: unknown) => callAdmin(acme, '/users', writeToken, { method: 'POST', body });
    expect((await create({ email: taken.email.toUpperCase() })).body).toMatchObject({ error: 'user_exists' });
    expect((await create({ email: taken.email })).status).toBe(409);
    for (const [body, code] of [
      [{ email: 'weak@example.test', password: 'short' }, 'weak_password'],
      [{ email: 'not an email' }, 'invalid_email'],
      [{ email: 'role@example.test', roles: ['bad role'] }, 'invalid_role'],
      [{ email: 'name@example.test', name: 'evil\u202ename' }, 'invalid_name'],
      [{ email: 'field@example.test', is_admin: true }, 'invalid_request'],
      [{ email: 'type@example.test', email_verified: 'yes' }, 'invalid_request'],
    ] as const) {
      const answer = await create(body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe(code);
    }
    expect(await acme.db.selectFrom('users').select('email').where('email', 'in', ['weak@example.test', 'role@example.test', 'name@example.test']).execute()).toEqual([]);
  });
});

describe('PATCH /users/:id', () => {
  it('changes profile fields and roles, audits what changed, and answers the new ETag', async () => {
    const user = await newUser('patch', { name: 'Pat', roles: ['Editor', 'Viewer'] });
    const answer = await callAdmin(acme, `/users/${user.id}`, writeToken, {
      method: 'PATCH',
      body: { name: 'Patricia', given_name: 'Patricia', family_name: 'Example', roles: ['Viewer', 'Auditor'] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ name: 'Patricia', given_name: 'Patricia', family_name: 'Example', roles: ['Auditor', 'Viewer'] });
    expect(answer.headers.get('etag')).toBe((await callAdmin(acme, `/users/${user.id}`, readToken)).headers.get('etag'));

    const [event] = await auditOf('user.updated', user.id);
    expect(event).toMatchObject({ actor: actor() });
    expect(event!.details).toEqual({
      before: { name: 'Pat', given_name: null, family_name: null, roles: ['Editor', 'Viewer'] },
      after: { name: 'Patricia', given_name: 'Patricia', family_name: 'Example', roles: ['Auditor', 'Viewer'] },
    });
    // The change is what the user's tokens say from now on.
    const signedIn = await tokenRequest({ grant_type: 'password', username: user.email, password: user.password, scope: 'openid profile' });
    expect(signedIn.status).toBe(200);

    // Clearing a name with null; the same body again changes nothing and is not audited again.
    expect((await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { family_name: null } })).body).toMatchObject({ family_name: null });
    const events = (await auditOf('user.updated', user.id)).length;
    expect((await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { family_name: null } })).status).toBe(200);
    expect(await auditOf('user.updated', user.id)).toHaveLength(events);
  });

  it('makes a new email unverified unless told otherwise, and refuses a taken one', async () => {
    const user = await newUser('mail');
    const other = await newUser('other');
    await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { email_verified: true } });
    const moved = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { email: `New-${user.email}` } });
    expect(moved.body).toMatchObject({ email: `new-${user.email}`, email_verified: false });
    const verified = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { email: `again-${user.email}`, email_verified: true } });
    expect(verified.body).toMatchObject({ email: `again-${user.email}`, email_verified: true });
    const taken = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { email: other.email } });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('user_exists');
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).body.email).toBe(`again-${user.email}`);
    expect((await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { email: 'nope' } })).body.error).toBe('invalid_email');
    expect((await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { password: 'x' } })).body.error).toBe('invalid_request');
  });

  it('applies with the current If-Match and refuses a stale one with 412, changing nothing', async () => {
    const user = await newUser('etag', { name: 'Before' });
    const etag = (await callAdmin(acme, `/users/${user.id}`, readToken)).headers.get('etag')!;
    const ok = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { name: 'First' }, headers: { 'if-match': etag } });
    expect(ok.status).toBe(200);
    const stale = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'PATCH', body: { name: 'Second' }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toBe('precondition_failed');
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).body.name).toBe('First');
    expect(await auditOf('user.updated', user.id)).toHaveLength(1);
  });
});

describe('POST /users/:id/disable and /enable', () => {
  it('refuses sign-in, kills the refresh tokens and browser sessions at once, and enabling brings none back', async () => {
    const user = await newUser('disable');
    const browser = new TestBrowser();
    const { tokens, trace } = await browserSignIn(browser, user);
    expect(trace.sawLoginPage).toBe(true);
    expect(tokens.refresh_token).toBeTruthy();
    const legacyRefresh = await refreshTokenOf(user.email, user.password);
    expect(await sessionSkipsLogin(browser, user)).toBe(true);
    expect(await providerRowsOf(user.id)).toEqual(expect.arrayContaining(['Grant', 'RefreshToken', 'Session']));

    const disabled = await callAdmin(acme, `/users/${user.id}/disable`, writeToken, { method: 'POST' });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    expect(disabled.headers.get('etag')).toBe((await callAdmin(acme, `/users/${user.id}`, readToken)).headers.get('etag'));
    expect(await providerRowsOf(user.id)).toEqual([]);

    expect((await refresh(legacyRefresh)).body.error).toBe('invalid_grant');
    await expect(oidc.refreshTokenGrant(spa, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const refused = await tokenRequest({ grant_type: 'password', username: user.email, password: user.password });
    expect(refused.body.error).toBe('invalid_grant');
    expect(await loginPageAnswer(user)).toBe(401);

    const [event] = await auditOf('user.disabled', user.id);
    expect(event).toMatchObject({ actor: actor(), ip: expect.any(String) });
    expect(event!.details).toMatchObject({ before: { status: 'active' }, after: { status: 'disabled' }, revoked: { sessions: 1, grants: 2, refresh_tokens: 2 } });

    // Disabling again changes nothing and is not audited twice.
    expect((await callAdmin(acme, `/users/${user.id}/disable`, writeToken, { method: 'POST' })).body.status).toBe('disabled');
    expect(await auditOf('user.disabled', user.id)).toHaveLength(1);

    const enabled = await callAdmin(acme, `/users/${user.id}/enable`, writeToken, { method: 'POST' });
    expect(enabled.body.status).toBe('active');
    expect((await auditOf('user.enabled', user.id))[0]!.details).toEqual({ before: { status: 'disabled' }, after: { status: 'active' } });
    // The account works again, but nothing issued before the disable does: findAccount alone
    // (which refuses disabled users) would have let these through again now.
    expect((await refresh(legacyRefresh)).body.error).toBe('invalid_grant');
    await expect(oidc.refreshTokenGrant(spa, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await sessionSkipsLogin(browser, user)).toBe(false);
    expect((await tokenRequest({ grant_type: 'password', username: user.email, password: user.password })).status).toBe(200);
    // The login page accepts the password again (a 303 on to the consent step).
    expect(await loginPageAnswer(user)).toBe(303);
  });

  it("touches nobody else's sessions and tokens", async () => {
    const target = await newUser('target');
    const bystander = await newUser('bystander');
    const bystanderRefresh = await refreshTokenOf(bystander.email, bystander.password);
    await refreshTokenOf(target.email, target.password);
    expect((await callAdmin(acme, `/users/${target.id}/disable`, writeToken, { method: 'POST' })).status).toBe(200);
    expect((await refresh(bystanderRefresh)).status).toBe(200);
  });
});

describe('DELETE /users/:id', () => {
  it('deletes the user with their tokens and sign-in history, honouring If-Match, and audits who it was', async () => {
    const user = await newUser('delete', { roles: ['Editor'] });
    const refreshToken = await refreshTokenOf(user.email, user.password);
    const stale = '"not-the-current-etag"';
    const refused = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'DELETE', headers: { 'if-match': stale } });
    expect(refused.status).toBe(412);
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).status).toBe(200);

    const etag = (await callAdmin(acme, `/users/${user.id}`, readToken)).headers.get('etag')!;
    const deleted = await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'DELETE', headers: { 'if-match': etag } });
    expect(deleted.status).toBe(204);
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).status).toBe(404);
    expect((await refresh(refreshToken)).body.error).toBe('invalid_grant');
    expect(await providerRowsOf(user.id)).toEqual([]);
    expect(await acme.db.selectFrom('login_attempts').select('id').where('user_id', '=', user.id).execute()).toEqual([]);

    const [event] = await auditOf('user.deleted', user.id);
    expect(event).toMatchObject({ actor: actor() });
    expect(event!.details).toMatchObject({ before: { email: user.email, roles: ['Editor'], status: 'active' }, after: null, revoked: { grants: 1, refresh_tokens: 1 } });
    expect((await callAdmin(acme, `/users/${user.id}`, writeToken, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('POST /users/:id/password', () => {
  it('sets a new password and signs the user out everywhere, as a reset does', async () => {
    const user = await newUser('password');
    const refreshToken = await refreshTokenOf(user.email, user.password);
    const answer = await callAdmin(acme, `/users/${user.id}/password`, writeToken, { method: 'POST', body: { password: 'a brand new password' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ user: expect.objectContaining({ id: user.id }) });
    expect((await refresh(refreshToken)).body.error).toBe('invalid_grant');
    expect((await tokenRequest({ grant_type: 'password', username: user.email, password: user.password })).body.error).toBe('invalid_grant');
    expect((await tokenRequest({ grant_type: 'password', username: user.email, password: 'a brand new password' })).status).toBe(200);

    const [event] = await auditOf('user.password_set', user.id);
    expect(event!.details).toEqual({ password: 'given', revoked: { access_tokens: 1, grants: 1, refresh_tokens: 1 } });
    expect(JSON.stringify(event)).not.toContain('brand new');
  });

  it('generates one when none is given, and refuses a weak one', async () => {
    const user = await newUser('generate');
    // No body at all, or an empty one: both ask for a generated password.
    const generated = await callAdmin(acme, `/users/${user.id}/password`, writeToken, { method: 'POST' });
    expect(generated.status).toBe(200);
    expect(generated.body.password).toEqual(expect.any(String));
    const again = await callAdmin(acme, `/users/${user.id}/password`, writeToken, { method: 'POST', body: {} });
    expect(again.body.password).toEqual(expect.any(String));
    expect((await tokenRequest({ grant_type: 'password', username: user.email, password: generated.body.password as string })).body.error).toBe('invalid_grant');
    expect((await tokenRequest({ grant_type: 'password', username: user.email, password: again.body.password as string })).status).toBe(200);
    const weak = await callAdmin(acme, `/users/${user.id}/password`, writeToken, { method: 'POST', body: { password: user.email } });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toBe('weak_password');
  });
});

describe('sessions and grants of a user', () => {
  it('lists the sessions and consented apps, and revoking a session signs that browser out and kills its tokens', async () => {
    const user = await newUser('sessions');
    const browser = new TestBrowser();
    const { tokens } = await browserSignIn(browser, user);

    const sessions = await callAdmin(acme, `/users/${user.id}/sessions`, readToken);
    expect(sessions.status).toBe(200);
    expect(sessions.body).toEqual({
      items: [{ id: expect.any(String), signed_in_at: expect.any(String), amr: ['pwd'], idp: null, client_ids: [spaClientId], expires_at: expect.any(String) }],
      next_cursor: null,
    });
    const sessionId = (sessions.body.items as { id: string }[])[0]!.id;
    // The public id is not the cookie: knowing it signs nobody in.
    const sessionRow = await acme.db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Session').where(sql<boolean>`payload->>'accountId' = ${user.id}`).executeTakeFirstOrThrow();
    expect(sessionId).not.toBe(sessionRow.id);

    const grants = await callAdmin(acme, `/users/${user.id}/grants`, readToken);
    expect(grants.body).toEqual({
      items: [
        {
          id: expect.any(String),
          client_id: spaClientId,
          client_name: 'Notes',
          scopes: ['openid', 'email', 'offline_access'],
          apis: [],
          created_at: expect.any(String),
          expires_at: expect.any(String),
        },
      ],
      next_cursor: null,
    });

    const other = await newUser('not-theirs');
    expect((await callAdmin(acme, `/users/${other.id}/sessions/${sessionId}`, writeToken, { method: 'DELETE' })).body.error).toBe('session_not_found');
    expect(await sessionSkipsLogin(browser, user)).toBe(true);

    expect((await callAdmin(acme, `/users/${user.id}/sessions/${sessionId}`, writeToken, { method: 'DELETE' })).status).toBe(204);
    await expect(oidc.refreshTokenGrant(spa, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await callAdmin(acme, `/users/${user.id}/sessions`, readToken)).body.items).toEqual([]);
    // The consent stays: it is the user's, not the browser's.
    expect((await callAdmin(acme, `/users/${user.id}/grants`, readToken)).body.items).toHaveLength(1);
    expect((await auditOf('user.session_revoked', user.id))[0]!.details).toMatchObject({ session: sessionId, revoked: { sessions: 1, refresh_tokens: 1 } });
    expect(await sessionSkipsLogin(browser, user)).toBe(false);
    expect((await callAdmin(acme, `/users/${user.id}/sessions/${sessionId}`, writeToken, { method: 'DELETE' })).status).toBe(404);
  });

  it("revoking a grant withdraws the app's consent with its tokens, and only that user's", async () => {
    const user = await newUser('grants');
    const refreshToken = await refreshTokenOf(user.email, user.password);
    const [grant] = (await callAdmin(acme, `/users/${user.id}/grants`, readToken)).body.items as { id: string; client_id: string }[];
    expect(grant).toMatchObject({ client_id: legacy.clientId, scopes: ['openid', 'offline_access'] });

    const other = await newUser('grants-other');
    const notTheirs = await callAdmin(acme, `/users/${other.id}/grants/${grant!.id}`, writeToken, { method: 'DELETE' });
    expect(notTheirs.status).toBe(404);
    expect(notTheirs.body.error).toBe('grant_not_found');
    expect((await refresh(refreshToken)).status).toBe(200);

    expect((await callAdmin(acme, `/users/${user.id}/grants/${grant!.id}`, writeToken, { method: 'DELETE' })).status).toBe(204);
    expect((await callAdmin(acme, `/users/${user.id}/grants`, readToken)).body.items).toEqual([]);
    expect(await providerRowsOf(user.id)).toEqual([]);
    expect((await auditOf('user.grant_revoked', user.id))[0]!.details).toMatchObject({ grant: grant!.id, client_id: legacy.clientId });
  });

  it('pages sessions newest first', async () => {
    const user = await newUser('many');
    const browsers = [new TestBrowser(), new TestBrowser(), new TestBrowser()];
    for (const browser of browsers) await browserSignIn(browser, user);
    const first = await callAdmin(acme, `/users/${user.id}/sessions?limit=2`, readToken);
    const second = await callAdmin(acme, `/users/${user.id}/sessions?limit=2&cursor=${first.body.next_cursor}`, readToken);
    const items = [...(first.body.items as { id: string; signed_in_at: string }[]), ...(second.body.items as { id: string; signed_in_at: string }[])];
    expect(items).toHaveLength(3);
    expect(new Set(items.map((item) => item.id)).size).toBe(3);
    expect(items.map((item) => item.signed_in_at)).toEqual(items.map((item) => item.signed_in_at).sort().reverse());
    expect(second.body.next_cursor).toBeNull();
  });
});

describe('GET /users/:id/login-activity', () => {
  it("pages the user's sign-in attempts, newest first", async () => {
    const user = await newUser('activity');
    await tokenRequest({ grant_type: 'password', username: user.email, password: 'wrong password 1' });
    await tokenRequest({ grant_type: 'password', username: user.email, password: user.password });
    const first = await callAdmin(acme, `/users/${user.id}/login-activity?limit=1`, readToken);
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([{ id: expect.any(String), occurred_at: expect.any(String), ip: expect.any(String), succeeded: true, reason: 'signed_in', known_device: false, connection: null }]);
    const second = await callAdmin(acme, `/users/${user.id}/login-activity?limit=1&cursor=${first.body.next_cursor}`, readToken);
    expect(second.body).toEqual({ items: [expect.objectContaining({ succeeded: false, reason: 'invalid_credentials' })], next_cursor: null });
    expect((await callAdmin(acme, `/users/${user.id}/login-activity?cursor=bogus`, readToken)).body.error).toBe('invalid_cursor');
  });
});

/** Every route of the resource, with a body that would pass its schema. */
const ROUTES = (userId: string) =>
  [
    { method: 'GET', path: '/users', scope: 'users:read' },
    { method: 'POST', path: '/users', scope: 'users:write', body: { email: `scope-${userId.slice(0, 8)}@example.test` } },
    { method: 'GET', path: `/users/${userId}`, scope: 'users:read' },
    { method: 'PATCH', path: `/users/${userId}`, scope: 'users:write', body: { name: 'Mallory' } },
    { method: 'DELETE', path: `/users/${userId}`, scope: 'users:write' },
    { method: 'POST', path: `/users/${userId}/disable`, scope: 'users:write' },
    { method: 'POST', path: `/users/${userId}/enable`, scope: 'users:write' },
    { method: 'POST', path: `/users/${userId}/password`, scope: 'users:write', body: { password: 'taken over 12345' } },
    { method: 'GET', path: `/users/${userId}/sessions`, scope: 'users:read' },
    { method: 'DELETE', path: `/users/${userId}/sessions/some-session`, scope: 'users:write' },
    { method: 'GET', path: `/users/${userId}/grants`, scope: 'users:read' },
    { method: 'DELETE', path: `/users/${userId}/grants/some-grant`, scope: 'users:write' },
    { method: 'GET', path: `/users/${userId}/login-activity`, scope: 'users:read' },
  ] as const;

describe('scopes and isolation, route by route', () => {
  it('answers 403 insufficient_scope without the route scope, changing nothing', async () => {
    const user = await newUser('scoped', { name: 'Kept' });
    for (const route of ROUTES(user.id)) {
      const token = route.scope === 'users:read' ? clientsOnlyToken : readToken;
      const answer = await callAdmin(acme, route.path, token, { method: route.method, ...('body' in route ? { body: route.body } : {}) });
      expect([route.method, route.path, answer.status, answer.body.error]).toEqual([route.method, route.path, 403, 'insufficient_scope']);
      expect(answer.headers.get('www-authenticate')).toContain(`scope="${route.scope}"`);
    }
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).body).toMatchObject({ name: 'Kept', status: 'active' });
  });

  it("answers 401 to tenant A's token at tenant B, and 404 to A's user id with B's token", async () => {
    const user = await newUser('isolated', { name: 'Kept' });
    const refreshToken = await refreshTokenOf(user.email, user.password);
    for (const route of ROUTES(user.id)) {
      const init = { method: route.method, ...('body' in route ? { body: route.body } : {}) };
      const foreignToken = await callAdmin(globex, route.path, writeToken, init);
      expect([route.method, route.path, foreignToken.status, foreignToken.body.error]).toEqual([route.method, route.path, 401, 'invalid_token']);
      if (route.path === '/users') continue;
      const foreignId = await callAdmin(globex, route.path, globexToken, init);
      expect([route.method, route.path, foreignId.status, foreignId.body.error]).toEqual([route.method, route.path, 404, 'user_not_found']);
    }
    expect((await callAdmin(acme, `/users/${user.id}`, readToken)).body).toMatchObject({ name: 'Kept', status: 'active' });
    expect((await refresh(refreshToken)).status).toBe(200);
  });
});
