import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { startAuthorization, TestBrowser } from '../../support/browser.ts';
import { signInUpstream, startForgingProvider, type ForgingProvider, type UpstreamSignInResult } from '../../support/upstream.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { createConnection, updateConnection } from '../../../src/modules/connections/connections.service.ts';
import { connectionCallbackUrl } from '../../../src/modules/connections/connection.ts';
import { listUserSessions } from '../../../src/modules/users/user-sessions.service.ts';
import { deleteExpiredUpstreamSignIns } from '../../../src/modules/connections/upstream-sign-ins.repository.ts';
import { sql } from 'kysely';

/**
 * Sign-in through an upstream provider, real on both sides: tenant `up` of the same server is the
 * provider (OpenID Connect with discovery, and OAuth 2.0 through its endpoints alone), tenant
 * `down` signs its users in with it. The relying party is a client of `down`.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let bed: OidcTestBed;
let down: TestTenant;
let up: TestTenant;
let rp: oidc.Configuration;
let forger: ForgingProvider;
let upEndpoints: { authorization: string; token: string; userinfo: string };

async function upstreamUser(email: string, options: { verified?: boolean; name?: string } = {}) {
  await createUser(up, { email, password: 'upstream password 1', emailVerified: options.verified ?? true, name: options.name }, TEST_ACTOR);
  return { email, password: 'upstream password 1' };
}

beforeAll(async () => {
  // The upstream is a tenant of this very server, on 127.0.0.1: a private host the SSRF guard refuses by default.
  bed = await startOidcTestBed(1, { env: { CONNECTIONS_ALLOW_PRIVATE_HOSTS: 'true' } });
  [down, up] = await Promise.all([createTestTenant(bed, uniqueTenantId('down')), createTestTenant(bed, uniqueTenantId('up'))]);
  const upstreamApp = await createClient(up, { name: 'Down tenant', type: 'confidential', redirectUris: [connectionCallbackUrl(down)], firstParty: true }, TEST_ACTOR);
  const clientId = upstreamApp.client.client_id;
  const clientSecret = upstreamApp.clientSecret!;
  const discovered = (await (await fetch(`${up.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  upEndpoints = { authorization: discovered.authorization_endpoint!, token: discovered.token_endpoint!, userinfo: discovered.userinfo_endpoint! };
  forger = await startForgingProvider('forger-client');

  await createConnection(down, { name: 'upstream', type: 'oidc', displayName: 'Up Corp', issuer: up.issuer, clientId, clientSecret, defaultRoles: ['member'], domains: ['up.test'] }, TEST_ACTOR);
  await createConnection(down, { name: 'up-post', type: 'oidc', displayName: 'Up Corp (form post)', issuer: up.issuer, clientId, clientSecret, responseMode: 'form_post' }, TEST_ACTOR);
  await createConnection(
    down,
    {
      name: 'up-oauth',
      type: 'oauth2',
      displayName: 'Up OAuth',
      issuer: up.issuer,
      authorizationEndpoint: upEndpoints.authorization,
      tokenEndpoint: upEndpoints.token,
      userinfoEndpoint: upEndpoints.userinfo,
      scopes: ['openid', 'email', 'profile'],
      claimMapping: { given_name: 'name' },
      clientId,
      clientSecret,
    },
    TEST_ACTOR,
  );
  await createConnection(down, { name: 'forger', type: 'oidc', issuer: forger.issuer, clientId: 'forger-client', clientSecret: 'forger-secret' }, TEST_ACTOR);

  const { client } = await createClient(down, { name: 'Down app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  rp = await oidc.discovery(new URL(down.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
});
afterAll(async () => {
  await forger?.close();
  await bed?.close();
});

async function authorize(extra: Record<string, string> = {}) {
  return startAuthorization(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email profile roles', ...extra });
}

/** The relying party's end: the code exchanged, the ID token validated by openid-client. */
async function tokensFrom(started: Awaited<ReturnType<typeof authorize>>, result: UpstreamSignInResult) {
  if (result.kind !== 'callback') throw new Error(`stopped at ${result.url} (${result.status}): ${result.html.slice(0, 600)}`);
  return oidc.authorizationCodeGrant(rp, result.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
}

/** Follows redirects to the first page (a login page) without submitting anything. */
async function firstPage(browser: TestBrowser, start: string | URL): Promise<{ url: string; html: string }> {
  let url = String(start);
  for (let step = 0; step < 10; step++) {
    const response = await browser.request(url);
    if (response.status < 300 || response.status >= 400) return { url, html: await response.text() };
    url = new URL(response.headers.get('location')!, url).href;
  }
  throw new Error('too many redirects');
}

const pageText = (result: UpstreamSignInResult) => (result.kind === 'page' ? result.html.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))) : '');

describe('signing in with an upstream OpenID Connect provider', () => {
  it('creates the account on first sign-in, with the default roles, and says how the user signed in', async () => {
    const alice = await upstreamUser('alice@up.test', { name: 'Alice Upstream' });
    const started = await authorize();
    const result = await signInUpstream(new TestBrowser(), started.url, { connection: 'upstream', ...alice, redirectUri: REDIRECT_URI });
    const claims = (await tokensFrom(started, result)).claims()!;
    expect(claims).toMatchObject({ email: 'alice@up.test', email_verified: true, name: 'Alice Upstream', roles: ['member'], amr: ['fed'], idp: 'upstream' });

    const user = await down.db.selectFrom('users').selectAll().where('email', '=', 'alice@up.test').executeTakeFirstOrThrow();
    expect(user).toMatchObject({ id: claims.sub, password_hash: null, email_verified: true });
    const identity = await down.db.selectFrom('user_identities').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ email: 'alice@up.test' });
    const activity = await down.db.selectFrom('login_attempts').selectAll().where('user_id', '=', user.id).execute();
    expect(activity).toEqual([expect.objectContaining({ reason: 'signed_in', succeeded: true, connection: 'upstream' })]);
    const audit = await down.db.selectFrom('audit_events').select(['action', 'actor']).where('target', '=', user.id).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'user.created', actor: 'connection:upstream' },
      { action: 'identity.linked', actor: 'connection:upstream' },
    ]);
    // The session keeps the connection apart from the methods, as the admin API shows it.
    expect((await listUserSessions(down, user.id, { limit: 5 })).items).toEqual([expect.objectContaining({ amr: ['fed'], idp: 'upstream' })]);
  });

  it('signs the same upstream account in as the same user next time, through a form post too', async () => {
    const bob = await upstreamUser('bob@up.test');
    const first = await authorize();
    const firstSub = (await tokensFrom(first, await signInUpstream(new TestBrowser(), first.url, { connection: 'upstream', ...bob, redirectUri: REDIRECT_URI }))).claims()!.sub;
    const again = await authorize();
    const trace = await signInUpstream(new TestBrowser(), again.url, { connection: 'upstream', ...bob, redirectUri: REDIRECT_URI });
    expect((await tokensFrom(again, trace)).claims()!.sub).toBe(firstSub);

    // response_mode=form_post: the provider's page posts the answer to the callback, no cookie needed there.
    const posted = await authorize();
    const viaPost = await signInUpstream(new TestBrowser(), posted.url, { connection: 'up-post', ...bob, redirectUri: REDIRECT_URI });
    expect(viaPost.kind === 'callback' && viaPost.trace.some((step) => step.startsWith('POST') && step.endsWith('/connections/callback'))).toBe(true);
    const claims = (await tokensFrom(posted, viaPost)).claims()!;
    expect(claims).toMatchObject({ email: 'bob@up.test', amr: ['fed'], idp: 'up-post' });
    // Another connection, another identity of the same user (both sides confirmed the address).
    expect(claims.sub).toBe(firstSub);
    expect(await down.db.selectFrom('user_identities').select('provider_id').where('user_id', '=', firstSub).execute()).toHaveLength(2);
  });

  it('links to a local account when both sides confirmed the address', async () => {
    const local = await createUser(down, { email: 'carol@up.test', password: 'local password 12', emailVerified: true }, TEST_ACTOR);
    const carol = await upstreamUser('carol@up.test');
    const started = await authorize();
    const claims = (await tokensFrom(started, await signInUpstream(new TestBrowser(), started.url, { connection: 'upstream', ...carol, redirectUri: REDIRECT_URI }))).claims()!;
    expect(claims.sub).toBe(local.user.id);
    const audit = await down.db.selectFrom('audit_events').select(['action', 'details']).where('target', '=', local.user.id).where('action', '=', 'identity.linked').execute();
    expect(audit).toEqual([{ action: 'identity.linked', details: expect.objectContaining({ connection: 'upstream', how: 'verified_email' }) }]);
  });

  it('asks for the local password before linking to an unconfirmed local account', async () => {
    const local = await createUser(down, { email: 'dan@up.test', password: 'local password 12', emailVerified: false }, TEST_ACTOR);
    const dan = await upstreamUser('dan@up.test');
    const browser = new TestBrowser();
    const started = await authorize();
    const asked = await signInUpstream(browser, started.url, { connection: 'upstream', ...dan, redirectUri: REDIRECT_URI });
    expect(asked.kind).toBe('page');
    expect(pageText(asked)).toContain('already has an account for dan@up.test');
    const form = /<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrf" value="([^"]+)">/.exec(asked.kind === 'page' ? asked.html : '')!;
    const action = new URL(form[1]!, bed.publicUrl).href;

    const wrong = await browser.request(action, { form: { csrf: form[2]!, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('The password is not correct.');
    expect(await down.db.selectFrom('user_identities').select('id').where('user_id', '=', local.user.id).execute()).toEqual([]);

    const right = await browser.request(action, { form: { csrf: form[2]!, password: 'local password 12' } });
    expect(right.status).toBe(303);
    const finished = await signInUpstream(browser, new URL(right.headers.get('location')!, action), { ...dan, redirectUri: REDIRECT_URI });
    const claims = (await tokensFrom(started, finished)).claims()!;
    expect(claims).toMatchObject({ sub: local.user.id, amr: ['fed', 'pwd'], idp: 'upstream' });
    // The provider confirmed this very address, and the password proved the account: confirmed here too.
    expect(claims.email_verified).toBe(true);

    // The link is made: next time the provider alone signs the user in.
    const next = await authorize();
    expect((await tokensFrom(next, await signInUpstream(new TestBrowser(), next.url, { connection: 'upstream', ...dan, redirectUri: REDIRECT_URI }))).claims()!.sub).toBe(local.user.id);
  });

  it('creates no account from an address the provider has not confirmed', async () => {
    const erin = await upstreamUser('erin@up.test', { verified: false });
    const started = await authorize();
    const result = await signInUpstream(new TestBrowser(), started.url, { connection: 'upstream', ...erin, redirectUri: REDIRECT_URI });
    expect(result).toMatchObject({ kind: 'page', status: 403 });
    expect(pageText(result)).toContain('Up Corp has not confirmed erin@up.test as yours');
    expect(await down.db.selectFrom('users').select('id').where('email', '=', 'erin@up.test').execute()).toEqual([]);
  });

  it('goes straight to the provider with idp_hint, or a login_hint in a domain of the connection', async () => {
    const frank = await upstreamUser('frank@up.test');
    for (const hint of [{ idp_hint: 'upstream' }, { login_hint: 'frank@up.test' }] as Record<string, string>[]) {
      const started = await authorize(hint);
      const result = await signInUpstream(new TestBrowser(), started.url, { ...frank, redirectUri: REDIRECT_URI });
      expect((await tokensFrom(started, result)).claims()).toMatchObject({ email: 'frank@up.test', idp: 'upstream' });
      // The downstream login page was never shown: the first page the browser saw is the provider's.
      expect(result.trace.filter((step) => step.includes(`/t/${down.id}/interaction/`) && !step.includes('/upstream/'))).toHaveLength(1);
    }
  });
});

describe('signing in with an upstream OAuth 2.0 provider', () => {
  it("reads the profile from its user endpoint with the connection's claim mapping", async () => {
    const gina = await upstreamUser('gina@up.test', { name: 'Gina Upstream' });
    const started = await authorize();
    const claims = (await tokensFrom(started, await signInUpstream(new TestBrowser(), started.url, { connection: 'up-oauth', ...gina, redirectUri: REDIRECT_URI }))).claims()!;
    expect(claims).toMatchObject({ email: 'gina@up.test', amr: ['fed'], idp: 'up-oauth' });
    const user = await down.db.selectFrom('users').selectAll().where('id', '=', claims.sub).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ given_name: 'Gina Upstream', name: 'Gina Upstream', email_verified: true });
  });
});

describe('refusals', () => {
  it('refuses an answer with a state it does not know, and the same answer twice', async () => {
    const unknown = await new TestBrowser().request(`${connectionCallbackUrl(down)}?code=abc&state=made-up&iss=${encodeURIComponent(up.issuer)}`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('not one this page is waiting for');

    const hank = await upstreamUser('hank@up.test');
    const browser = new TestBrowser();
    let answer: URL | undefined;
    const started = await authorize();
    const result = await signInUpstream(browser, started.url, {
      connection: 'upstream',
      ...hank,
      redirectUri: REDIRECT_URI,
      rewrite: (location) => {
        if (location.href.startsWith(connectionCallbackUrl(down))) answer = location;
        return location;
      },
    });
    expect(result.kind).toBe('callback');
    const replayed = await browser.request(answer!);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('already used');
  });

  it('says so when the person cancels at the provider', async () => {
    const browser = new TestBrowser();
    const started = await authorize();
    const toProvider = await signInUpstream(browser, started.url, { connection: 'upstream', email: 'x', password: 'x', redirectUri: upEndpoints.authorization });
    const state = toProvider.kind === 'callback' ? toProvider.callback.searchParams.get('state')! : '';
    const answer = new URL(connectionCallbackUrl(down));
    answer.search = new URLSearchParams({ error: 'access_denied', error_description: 'End-User aborted interaction', state, iss: up.issuer }).toString();
    const refused = await browser.request(answer);
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('The sign-in at Up Corp was cancelled or refused (access_denied');
    expect(html).toContain(`/t/${down.id}/interaction/`);
  });

  it('refuses the answer of a trip past its ten minutes, and the sweep removes the trip', async () => {
    const max = await upstreamUser('max@up.test');
    const browser = new TestBrowser();
    const started = await authorize();
    const toProvider = await signInUpstream(browser, started.url, { connection: 'upstream', ...max, redirectUri: upEndpoints.authorization });
    const trips = await down.db.selectFrom('upstream_sign_ins').select('id').where('expires_at', '>', sql<Date>`now()`).execute();
    await down.db.updateTable('upstream_sign_ins').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', 'in', trips.map((trip) => trip.id)).execute();
    const result = await signInUpstream(browser, toProvider.kind === 'callback' ? toProvider.callback : '', { ...max, redirectUri: REDIRECT_URI });
    expect(result).toMatchObject({ kind: 'page', status: 400 });
    expect(pageText(result)).toContain('has expired');
    expect(await deleteExpiredUpstreamSignIns(down.db)).toBeGreaterThanOrEqual(trips.length);
    expect(await down.db.selectFrom('upstream_sign_ins').select('id').where('id', 'in', trips.map((trip) => trip.id)).execute()).toEqual([]);
  });

  it('refuses an answer that names another issuer (RFC 9207 mix-up)', async () => {
    const ivy = await upstreamUser('ivy@up.test');
    const started = await authorize();
    const result = await signInUpstream(new TestBrowser(), started.url, {
      connection: 'upstream',
      ...ivy,
      redirectUri: REDIRECT_URI,
      rewrite: (location) => {
        if (location.href.startsWith(connectionCallbackUrl(down))) location.searchParams.set('iss', forger.issuer);
        return location;
      },
    });
    expect(result).toMatchObject({ kind: 'page', status: 400 });
    expect(pageText(result)).toContain(`says it comes from ${forger.issuer}, not from Up Corp`);
    expect(pageText(result)).toContain('Back to sign-in');
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const jack = await upstreamUser('jack@up.test');
    const started = await authorize();
    const result = await signInUpstream(new TestBrowser(), started.url, {
      connection: 'upstream',
      ...jack,
      redirectUri: REDIRECT_URI,
      rewrite: (location) => {
        if (location.origin + location.pathname === upEndpoints.authorization) location.searchParams.set('nonce', 'another-nonce');
        return location;
      },
    });
    expect(result).toMatchObject({ kind: 'page', status: 400 });
    expect(pageText(result)).toContain("Up Corp's ID token does not belong to this sign-in");
    expect(await down.db.selectFrom('users').select('id').where('email', '=', 'jack@up.test').execute()).toEqual([]);
  });

  it('refuses an ID token that fails signature verification', async () => {
    const browser = new TestBrowser();
    const started = await authorize();
    const sent = await signInUpstream(browser, started.url, {
      connection: 'forger',
      email: 'x',
      password: 'x',
      redirectUri: forger.issuer,
    });
    expect(sent.kind).toBe('callback');
    const authorization = sent.kind === 'callback' ? sent.callback : undefined!;
    forger.nonce = authorization.searchParams.get('nonce')!;
    const answer = new URL(connectionCallbackUrl(down));
    answer.search = new URLSearchParams({ code: 'forged-code', state: authorization.searchParams.get('state')!, iss: forger.issuer }).toString();
    const refused = await browser.request(answer);
    expect(refused.status).toBe(502);
    expect(await refused.text()).toContain('ID token failed signature verification');
    expect(await down.db.selectFrom('users').select('id').where('email', '=', 'forged@forger.test').execute()).toEqual([]);
  });

  it('refuses a disabled connection, also for a trip started before it was turned off', async () => {
    const kim = await upstreamUser('kim@up.test');
    const browser = new TestBrowser();
    const started = await authorize();
    const toProvider = await signInUpstream(browser, started.url, { connection: 'up-oauth', ...kim, redirectUri: upEndpoints.authorization });
    expect(toProvider.kind).toBe('callback');
    await updateConnection(down, { name: 'up-oauth' }, { enabled: false }, TEST_ACTOR);
    try {
      const result = await signInUpstream(browser, toProvider.kind === 'callback' ? toProvider.callback : '', { ...kim, redirectUri: REDIRECT_URI });
      expect(result).toMatchObject({ kind: 'page', status: 403 });
      expect(pageText(result)).toContain('Signing in with Up OAuth is turned off');

      // Its button is gone, and its start route refuses.
      const another = new TestBrowser();
      const loginPage = await firstPage(another, (await authorize()).url);
      expect(loginPage.html).not.toContain('/connections/up-oauth');
      expect(loginPage.html).toContain('/connections/upstream');
      const csrf = /name="csrf" value="([^"]+)"/.exec(loginPage.html)![1]!;
      const started = await another.request(`${loginPage.url}/connections/up-oauth`, { form: { csrf } });
      expect(started.status).toBe(403);
      expect(await started.text()).toContain('Signing in with Up OAuth is turned off');
    } finally {
      await updateConnection(down, { name: 'up-oauth' }, { enabled: true }, TEST_ACTOR);
    }
  });
});

describe('isolation', () => {
  it("a trip's answer is useless in another browser and at another tenant", async () => {
    const lou = await upstreamUser('lou@up.test');
    let answer: URL | undefined;
    const started = await authorize();
    const stopped = await signInUpstream(new TestBrowser(), started.url, {
      connection: 'upstream',
      ...lou,
      redirectUri: connectionCallbackUrl(down),
      rewrite: (location) => (answer = location),
    });
    expect(stopped.kind).toBe('callback');

    // At tenant `up`, whose callback has never heard of this state.
    const elsewhere = new URL(answer!.href.replace(`/t/${down.id}/`, `/t/${up.id}/`));
    const atOtherTenant = await new TestBrowser().request(elsewhere);
    expect(atOtherTenant.status).toBe(400);
    expect(await atOtherTenant.text()).toContain('not one this page is waiting for');

    // In a browser that did not start the trip (a login CSRF): the callback answers, but the
    // sign-in cannot be finished without the interaction's cookie.
    const victim = new TestBrowser();
    const callback = await victim.request(answer!);
    expect(callback.status).toBe(303);
    const finish = await victim.request(new URL(callback.headers.get('location')!, answer));
    expect(finish.status).toBeGreaterThanOrEqual(400);
    expect(await finish.text()).toContain('started in another browser');
    expect(await down.db.selectFrom('users').select('id').where('email', '=', 'lou@up.test').execute()).toHaveLength(1);
  });

  it("a tenant's connection cannot be started from another tenant's login page", async () => {
    const browser = new TestBrowser();
    const upRp = await createClient(up, { name: 'Up app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
    const upConfig = await oidc.discovery(new URL(up.issuer), upRp.client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const started = await startAuthorization(upConfig, { redirect_uri: REDIRECT_URI, scope: 'openid' });
    const loginPage = await firstPage(browser, started.url);
    const csrf = /name="csrf" value="([^"]+)"/.exec(loginPage.html)![1]!;
    const action = new URL(`${loginPage.url}/connections/upstream`);
    const refused = await browser.request(action, { form: { csrf } });
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain('no sign-in with');
  });
});
