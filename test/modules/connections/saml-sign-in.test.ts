import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../../support/browser.ts';
import { signInUpstream } from '../../support/upstream.ts';
import { TestSamlIdp, type AuthnRequestSeen, type ResponseOptions, type SamlUser } from '../../support/saml-idp.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { createConnection, getConnection } from '../../../src/modules/connections/connections.service.ts';
import { connectionView } from '../../../src/modules/connections/connection-view.ts';
import { samlAcsUrl, samlMetadataUrl } from '../../../src/modules/connections/connection.ts';
import { generateSpKeyPair } from '../../../src/modules/connections/saml-keys.ts';
import { deleteExpiredSamlAssertions } from '../../../src/modules/connections/saml-assertions.repository.ts';
import { sql } from 'kysely';

/**
 * SAML 2.0 sign-in, real on both sides: samlify in the IdP role (test/support/saml-idp.ts) with a
 * key made at test time reads the AuthnRequest the login page's button redirects to, and signs
 * responses that are posted to the tenant's ACS over real HTTP; the relying party gets its ID
 * token from the tenant as after any sign-in. Tenant `other` has a connection to the same IdP,
 * to show that an assertion meant for one tenant is useless at the other.
 */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let bed: OidcTestBed;
let tenant: TestTenant;
let other: TestTenant;
let idp: TestSamlIdp;
let rp: oidc.Configuration;

beforeAll(async () => {
  bed = await startOidcTestBed();
  [tenant, other] = await Promise.all([createTestTenant(bed, uniqueTenantId('saml')), createTestTenant(bed, uniqueTenantId('other'))]);
  idp = await TestSamlIdp.start();
  const settings = { type: 'saml', metadata: idp.metadata, trustEmail: true, domains: ['acme.test'], defaultRoles: ['member'] };
  await createConnection(tenant, { name: 'acme', displayName: 'Acme SSO', ...settings }, TEST_ACTOR);
  await createConnection(other, { name: 'acme', displayName: 'Acme SSO', ...settings }, TEST_ACTOR);
  const { client } = await createClient(tenant, { name: 'App', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
  rp = await oidc.discovery(new URL(tenant.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

interface Trip {
  browser: TestBrowser;
  started: Awaited<ReturnType<typeof startAuthorization>>;
  request: AuthnRequestSeen;
}

/** The login page's SAML button, pressed; the IdP reads the AuthnRequest the browser is sent with. */
async function startSamlTrip(extra: Record<string, string> = {}): Promise<Trip> {
  const browser = new TestBrowser();
  const started = await startAuthorization(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email profile roles', ...extra });
  let url = started.url.href;
  for (let step = 0; step < 10; step++) {
    const response = await browser.request(url);
    const location = response.headers.get('location');
    if (location) {
      await response.arrayBuffer();
      url = new URL(location, url).href;
      if (url.startsWith(idp.ssoUrl)) break;
      continue;
    }
    const html = await response.text();
    const button = /<form[^>]*action="([^"]*\/connections\/acme)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">/.exec(html);
    if (!button) throw new Error(`no SAML button on ${url}: ${html.slice(0, 400)}`);
    const pressed = await browser.request(new URL(button[1]!, url), { form: { csrf: button[2]! } });
    expect(pressed.status).toBe(303);
    url = pressed.headers.get('location')!;
    break;
  }
  expect(url.startsWith(idp.ssoUrl)).toBe(true);
  const spMetadata = await (await fetch(samlMetadataUrl(tenant, 'acme'))).text();
  return { browser, started, request: await idp.readRequest(new URL(url), spMetadata) };
}

async function postToAcs(browser: TestBrowser, acs: string, samlResponse: string) {
  return browser.request(acs, { form: { SAMLResponse: samlResponse } });
}

/** Posts the IdP's answer to the ACS and follows the browser back into its sign-in, to the client's callback. */
async function finish(trip: Trip, samlResponse: string) {
  const answered = await postToAcs(trip.browser, trip.request.acsUrl, samlResponse);
  if (answered.status !== 303) throw new Error(`ACS answered ${answered.status}: ${/<main[^>]*>([\s\S]*?)<\/main>/.exec(await answered.text())?.[1]}`);
  const result = await signInUpstream(trip.browser, new URL(answered.headers.get('location')!, trip.request.acsUrl), { email: '', password: '', redirectUri: REDIRECT_URI });
  if (result.kind !== 'callback') throw new Error(`stopped at ${result.url} (${result.status}): ${result.html.slice(0, 500)}`);
  return oidc.authorizationCodeGrant(rp, result.callback, { pkceCodeVerifier: trip.started.verifier, expectedState: trip.started.state, expectedNonce: trip.started.nonce });
}

const text = (html: string) => html.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))).replaceAll('&#39;', "'");

async function refused(user: SamlUser, options: (request: AuthnRequestSeen) => ResponseOptions, acs?: string) {
  const trip = await startSamlTrip();
  const answered = await postToAcs(trip.browser, acs ?? trip.request.acsUrl, idp.respond(trip.request, user, options(trip.request)));
  return { status: answered.status, page: text(await answered.text()), trip };
}

const ALICE: SamlUser = { nameId: 'alice-0001', attributes: { email: 'alice@acme.test', givenName: 'Alice', sn: 'Anders' } };

describe('SAML 2.0 sign-in', () => {
  it('publishes SP metadata, redirects with an AuthnRequest, and signs the user in from a signed assertion', async () => {
    const metadata = await fetch(samlMetadataUrl(tenant, 'acme'));
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await metadata.text();
    expect(xml).toContain(`entityID="${samlMetadataUrl(tenant, 'acme')}"`);
    expect(xml).toContain(`Location="${samlAcsUrl(tenant, 'acme')}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
    expect(xml).not.toContain('PRIVATE KEY');

    const trip = await startSamlTrip();
    expect(trip.request).toMatchObject({ acsUrl: samlAcsUrl(tenant, 'acme'), issuer: samlMetadataUrl(tenant, 'acme') });
    const claims = (await finish(trip, idp.respond(trip.request, ALICE))).claims()!;
    expect(claims).toMatchObject({ email: 'alice@acme.test', email_verified: true, name: 'Alice Anders', given_name: 'Alice', roles: ['member'], amr: ['fed'], idp: 'acme' });
    const identity = await tenant.db.selectFrom('user_identities').selectAll().where('user_id', '=', claims.sub).executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ subject: 'alice-0001', email: 'alice@acme.test' });

    // Next time the same NameID is the same user.
    const again = await startSamlTrip();
    expect((await finish(again, idp.respond(again.request, ALICE))).claims()!.sub).toBe(claims.sub);
  });

  it('shows SAML details in the admin view, never the private key, and refuses metadata it cannot use', async () => {
    const view = connectionView(tenant, await getConnection(tenant, { name: 'acme' }));
    expect(view).toMatchObject({
      type: 'saml',
      protocol: 'saml',
      issuer: idp.entityId,
      client_secret_set: true,
      redirect_uri: samlAcsUrl(tenant, 'acme'),
      saml: { entity_id: samlMetadataUrl(tenant, 'acme'), acs_url: samlAcsUrl(tenant, 'acme'), idp_entity_id: idp.entityId, idp_sso_url: idp.ssoUrl },
    });
    expect(view.saml!.idp_certificate_fingerprints).toHaveLength(1);
    expect(JSON.stringify(view)).not.toContain('PRIVATE KEY');
    const sealed = await tenant.db.selectFrom('identity_providers').select('client_secret_encrypted').where('name', '=', 'acme').executeTakeFirstOrThrow();
    expect(sealed.client_secret_encrypted).not.toContain('PRIVATE KEY');

    for (const metadata of ['<not-xml', '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"></EntityDescriptor>', idp.metadata.replace(/<ds:X509Certificate>[^<]+<\/ds:X509Certificate>/g, '')]) {
      await expect(createConnection(tenant, { name: 'broken', type: 'saml', metadata }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_connection' });
    }
    await expect(createConnection(tenant, { name: 'broken', type: 'saml' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_connection' });
    await expect(createConnection(tenant, { name: 'broken', type: 'saml', metadata: idp.metadata, clientId: 'x' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_connection' });
  });

  it('refuses an OpenID Connect connection to a private host by default (SSRF guard; this bed does not allow them)', async () => {
    const local = { type: 'oidc', issuer: `${tenant.issuer}`, clientId: 'c', clientSecret: 's' };
    await expect(createConnection(tenant, { name: 'loopback', ...local }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_connection', message: expect.stringContaining('loopback, private or link-local') });
    await expect(createConnection(tenant, { name: 'metadata', ...local, issuer: 'https://169.254.169.254/latest' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_connection' });
  });

  it('refuses an unsigned, a wrongly signed and an altered response', async () => {
    const forger = await generateSpKeyPair('forger');
    const cases: [string, (request: AuthnRequestSeen) => ResponseOptions][] = [
      ['unsigned', () => ({ unsigned: true })],
      ['signed by another key', () => ({ signer: forger })],
      ['altered after signing', () => ({ tamper: (xml) => xml.replace('alice@acme.test', 'mallory@acme.test') })],
    ];
    for (const [what, options] of cases) {
      const answer = await refused(ALICE, options);
      expect({ what, status: answer.status }).toEqual({ what, status: 400 });
      expect(answer.page).toContain('is not signed by its certificate on record');
    }
    expect(await tenant.db.selectFrom('users').select('id').where('email', '=', 'mallory@acme.test').execute()).toEqual([]);
  });

  it('refuses a wrong audience or recipient, an expired assertion, and answers to no request of ours', async () => {
    const past = new Date(Date.now() - 10 * 60 * 1000);
    const cases: [string, (request: AuthnRequestSeen) => ResponseOptions, string][] = [
      ['wrong audience', () => ({ audience: 'https://another-sp.example/metadata' }), 'meant for another service'],
      ['wrong recipient', () => ({ recipient: 'https://another-sp.example/acs', destination: 'https://another-sp.example/acs' }), 'was addressed to https://another-sp.example/acs'],
      ['expired', () => ({ notBefore: new Date(past.getTime() - 60_000), notOnOrAfter: past }), 'outside its validity period'],
      ['unsolicited', () => ({ inResponseTo: null }), 'sign-ins started at the identity provider are not accepted'],
      ['mismatched InResponseTo', () => ({ inResponseTo: '_not-a-request-of-ours' }), 'does not belong to a sign-in waiting here'],
    ];
    for (const [what, options, message] of cases) {
      const answer = await refused(ALICE, options);
      expect({ what, status: answer.status }).toEqual({ what, status: 400 });
      expect(answer.page).toContain(message);
    }
    const audit = await tenant.db.selectFrom('audit_events').select(['details', 'actor']).where('action', '=', 'connection.saml_refused').execute();
    expect(audit.map((row) => (row.details as { reason: string }).reason)).toEqual(
      expect.arrayContaining(['bad_signature', 'audience_mismatch', 'recipient_mismatch', 'expired', 'in_response_to_mismatch']),
    );
    expect(audit[0]!.actor).toBe('connection:acme');
  });

  it('refuses a replayed assertion, and forgets it once expired', async () => {
    const trip = await startSamlTrip();
    const answer = idp.respond(trip.request, { nameId: 'bob-0002', attributes: { email: 'bob@acme.test' } });
    await finish(trip, answer);
    // The same post again, from the browser that made it or from anyone else.
    const replayed = await postToAcs(new TestBrowser(), trip.request.acsUrl, answer);
    expect(replayed.status).toBe(400);
    expect(text(await replayed.text())).toContain('was already used (a replayed assertion)');
    // Even with a fresh request of ours waiting, the same assertion ID is refused.
    const second = await startSamlTrip();
    const sameId = (await tenant.db.selectFrom('saml_assertions').select('assertion_id').orderBy('created_at', 'desc').executeTakeFirstOrThrow()).assertion_id;
    const reused = await postToAcs(second.browser, second.request.acsUrl, idp.respond(second.request, { nameId: 'bob-0002' }, { assertionId: sameId }));
    expect(text(await reused.text())).toContain('already used');

    await tenant.db.updateTable('saml_assertions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('assertion_id', '=', sameId).execute();
    expect(await deleteExpiredSamlAssertions(tenant.db)).toBeGreaterThanOrEqual(1);
    expect(await tenant.db.selectFrom('saml_assertions').select('assertion_id').where('assertion_id', '=', sameId).execute()).toEqual([]);
  });

  it("refuses at another tenant's ACS an assertion meant for this tenant", async () => {
    const answer = await refused(ALICE, () => ({}), samlAcsUrl(other, 'acme'));
    expect(answer.status).toBe(400);
    expect(answer.page).toContain('meant for another service');
    expect(await other.db.selectFrom('users').select('id').where('email', '=', 'alice@acme.test').execute()).toEqual([]);
    // The trip at this tenant was not touched: the real ACS still accepts the answer.
    const claims = (await finish(answer.trip, idp.respond(answer.trip.request, ALICE))).claims()!;
    expect(claims).toMatchObject({ email: 'alice@acme.test', idp: 'acme' });
  });
});

describe('home-realm discovery', () => {
  /** Follows redirects from `start` until a page answers or the browser leaves for the IdP. */
  async function follow(browser: TestBrowser, start: string | URL): Promise<{ url: string; html: string }> {
    let url = String(start);
    for (let step = 0; step < 10; step++) {
      if (url.startsWith(idp.ssoUrl)) return { url, html: '' };
      const response = await browser.request(url);
      const location = response.headers.get('location');
      if (!location) return { url, html: await response.text() };
      await response.arrayBuffer();
      url = new URL(location, url).href;
    }
    throw new Error('too many redirects');
  }

  it("sends an address in a connection's domain from the login form to its IdP, and keeps passwords for everyone else", async () => {
    const browser = new TestBrowser();
    const started = await startAuthorization(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email' });
    const login = await follow(browser, started.url);
    const form = /<form method="post" action="([^"]+\/login)">\s*<input type="hidden" name="csrf" value="([^"]+)">/.exec(login.html)!;
    // No password typed: the domain alone decides, before any account is looked up.
    const posted = await browser.request(new URL(form[1]!, login.url), { form: { csrf: form[2]!, email: 'Carol@ACME.test' } });
    expect(posted.status).toBe(303);
    const redirect = new URL(posted.headers.get('location')!);
    expect(redirect.href.startsWith(idp.ssoUrl)).toBe(true);
    const spMetadata = await (await fetch(samlMetadataUrl(tenant, 'acme'))).text();
    expect((await idp.readRequest(redirect, spMetadata)).acsUrl).toBe(samlAcsUrl(tenant, 'acme'));

    // Another domain signs in with its password, as before.
    await createUser(tenant, { email: 'pat@elsewhere.test', password: 'local password 12', emailVerified: true }, TEST_ACTOR);
    const other = await startAuthorization(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email' });
    const trace = await signIn(new TestBrowser(), other.url, { email: 'pat@elsewhere.test', password: 'local password 12', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(rp, trace.callback, { pkceCodeVerifier: other.verifier, expectedState: other.state, expectedNonce: other.nonce });
    expect(tokens.claims()).toMatchObject({ email: 'pat@elsewhere.test', amr: ['pwd'] });
  });

  it('goes straight to the IdP for a login_hint in its domain', async () => {
    const started = await startAuthorization(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email', login_hint: 'dave@acme.test' });
    const reached = await follow(new TestBrowser(), started.url);
    expect(reached.url.startsWith(idp.ssoUrl)).toBe(true);
  });
});
