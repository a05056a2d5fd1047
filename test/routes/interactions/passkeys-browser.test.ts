import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { startAuthorization, type StartedAuthorization } from '../../support/browser.ts';
import { chromiumForThisFile, openPage, screenshot, watchPage } from '../../support/chromium.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createClient } from '../../../src/modules/clients/clients.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { ACR } from '../../../src/oidc/sign-in.ts';
import { replaceRecoveryCodes } from '../../../src/modules/mfa/mfa.repository.ts';
import { insertPasskey } from '../../../src/modules/mfa/passkeys.repository.ts';
import { resetUserFactors } from '../../../src/modules/mfa/factors.service.ts';
import { newRecoveryCodes, recoveryCodeHash } from '../../../src/modules/mfa/recovery-codes.ts';

/**
 * Passkeys in a real Chromium (modules/mfa/passkeys*.ts, routes/interactions/passkey*.ts, the
 * account page's passkey page), with the DevTools virtual authenticator standing in for a
 * device: added on the account page, then used as the second step after a password and alone
 * (passwordless, discoverable). Tenants A and B share the host `localhost` (path form), hence
 * the RP ID: the browser offers A's passkey at B, and B must refuse it. Assertions for another
 * RP ID and with a counter gone backwards are made here with the credential's private key
 * (read from the virtual authenticator) and posted through the page, inside a real sign-in.
 */
const browser = chromiumForThisFile();
const SHOTS = 'passkeys';
/** The application's callback: a tiny server of the test's, so the browser stops there and the test reads the code. */
let callbackServer: http.Server;
let REDIRECT_URI: string;
const PASSWORD = 'passkey test password';
const ALICE = 'alice@passkeys.test';

let bed: OidcTestBed;
let a: TestTenant;
let b: TestTenant;
const apps = new Map<string, oidc.Configuration>();
/** Alice's passkey as the virtual authenticator holds it (CDP WebAuthn.Credential). */
let aliceCredential: VirtualCredential;

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

beforeAll(async () => {
  // WebAuthn needs a secure context and a domain name as RP ID: `localhost`, not 127.0.0.1.
  callbackServer = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('callback'));
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  REDIRECT_URI = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
  bed = await startOidcTestBed(1, { publicHost: 'localhost' });
  [a, b] = await Promise.all([createTestTenant(bed, uniqueTenantId('pk-a')), createTestTenant(bed, uniqueTenantId('pk-b'))]);
  for (const tenant of [a, b]) {
    const { client } = await createClient(tenant, { name: 'Passkey app', type: 'public', redirectUris: [REDIRECT_URI], firstParty: true }, TEST_ACTOR);
    apps.set(tenant.id, await oidc.discovery(new URL(tenant.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] }));
    await createUser(tenant, { email: ALICE, password: PASSWORD, emailVerified: true }, TEST_ACTOR);
  }
}, 120_000);
afterAll(async () => {
  await bed?.close();
  callbackServer?.closeAllConnections();
  await new Promise((resolve) => callbackServer?.close(resolve));
});

/** A page in a fresh context with a virtual platform authenticator (CTAP2, internal, resident keys, verifying its user). */
async function pageWithAuthenticator(): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string; problems: string[] }> {
  const { context, page } = await openPage(browser());
  const problems = watchPage(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page, cdp, authenticatorId, problems };
}

/** `waitForLogin: false` where the browser may leave the login page by itself (its passkeys in the field's suggestions). */
async function authorize(page: Page, tenant: TestTenant, options: { waitForLogin?: boolean } = {}): Promise<StartedAuthorization> {
  const started = await startAuthorization(apps.get(tenant.id)!, { redirect_uri: REDIRECT_URI, scope: 'openid' });
  await page.goto(started.url.href);
  if (options.waitForLogin !== false) await page.getByLabel('Email').waitFor();
  return started;
}

async function claimsAtCallback(page: Page, tenant: TestTenant, started: StartedAuthorization) {
  await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI));
  const tokens = await oidc.authorizationCodeGrant(apps.get(tenant.id)!, new URL(page.url()), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  return tokens.claims()!;
}

async function typePassword(page: Page, email: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');
const sha256 = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest();

/** An assertion as an authenticator would make it, signed with the credential's key: for `rpId`, with `counter`. */
function craftedAssertion(credential: VirtualCredential, input: { challenge: string; origin: string; rpId: string; counter: number }) {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(input.counter);
  const authenticatorData = Buffer.concat([sha256(input.rpId), Buffer.from([0x05]), counter]); // UP and UV
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: input.challenge, origin: input.origin, crossOrigin: false }));
  const key = crypto.createPrivateKey({ key: Buffer.from(credential.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  // ES256 signs a SHA-256 digest; EdDSA (which the authenticator may have chosen) signs the data itself.
  const digest = key.asymmetricKeyType === 'ec' ? 'sha256' : null;
  const signature = crypto.sign(digest, Buffer.concat([authenticatorData, sha256(clientDataJSON)]), key);
  const id = b64url(Buffer.from(credential.credentialId, 'base64'));
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      authenticatorData: b64url(authenticatorData),
      clientDataJSON: b64url(clientDataJSON),
      signature: b64url(signature),
      userHandle: credential.userHandle ? b64url(Buffer.from(credential.userHandle, 'base64')) : undefined,
    },
    clientExtensionResults: {},
  };
}

/** On the login page: a challenge from its options route, then `answer(challenge)` posted through its passkey form. */
async function postThroughLoginPage(page: Page, answer: (challenge: string) => unknown): Promise<void> {
  const challenge = await page.evaluate(async () => {
    const form = document.getElementById('passkey-form') as HTMLFormElement;
    const response = await fetch(form.dataset.optionsUrl!, { method: 'POST', headers: { accept: 'application/json' }, body: new URLSearchParams(new FormData(form) as never) });
    return ((await response.json()) as { options: { challenge: string } }).options.challenge;
  });
  const body = JSON.stringify(answer(challenge));
  await Promise.all([
    page.waitForLoadState('load'),
    page.evaluate((json) => {
      const form = document.getElementById('passkey-form') as HTMLFormElement;
      (form.elements.namedItem('response') as HTMLInputElement).value = json;
      form.submit();
    }, body),
  ]);
  await page.waitForURL((url) => url.pathname.endsWith('/passkey') || url.href.startsWith(REDIRECT_URI));
}

const passkeyRows = (tenant: TestTenant) =>
  tenant.db.selectFrom('mfa_factors').select(['id', 'label', 'credential_id', 'sign_count', 'backed_up', 'device_type', 'last_used_at']).where('kind', '=', 'webauthn').execute();

describe('passkeys in a browser', () => {
  it('adds a passkey on the account page (named, after a recent sign-in); recovery codes come with a first factor; the list shows no key', async () => {
    const { context, page, cdp, authenticatorId, problems } = await pageWithAuthenticator();
    await page.goto(`${a.issuer}/account/two-factor`);
    await typePassword(page, ALICE);
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    await page.getByLabel('Name').fill('Work laptop');
    await screenshot(page, SHOTS, 'account-add-passkey');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Your passkey is added' }).waitFor();
    await screenshot(page, SHOTS, 'account-passkey-recovery-codes');

    const rows = await passkeyRows(a);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ label: 'Work laptop', backed_up: false, device_type: 'singleDevice' });
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: VirtualCredential[] };
    expect(credentials).toHaveLength(1);
    aliceCredential = credentials[0]!;
    expect(aliceCredential.isResidentCredential).toBe(true);
    expect(aliceCredential.rpId).toBe('localhost');
    expect(rows[0]!.credential_id).toBe(b64url(Buffer.from(aliceCredential.credentialId, 'base64')));
    const added = await a.db.selectFrom('audit_events').select('details').where('action', '=', 'user.mfa_factor_added').execute();
    expect(added.map((event) => event.details)).toEqual([expect.objectContaining({ kind: 'webauthn', label: 'Work laptop', recovery_codes_issued: true })]);

    await page.goto(`${a.issuer}/account/two-factor`);
    await expect(page.getByRole('heading', { level: 3, name: 'Work laptop' }).isVisible()).resolves.toBe(true);
    const html = await page.content();
    expect(html).not.toContain(rows[0]!.credential_id);
    expect(html).toContain('Passkey');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs in with the passkey as the second step after the password: amr pwd, hwk, mfa and the MFA acr', async () => {
    const { context, page, cdp, authenticatorId, problems } = await pageWithAuthenticator();
    // The same key, but not discoverable here: only the second step (which names it) can use it.
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...aliceCredential, isResidentCredential: false, rpId: 'localhost', signCount: aliceCredential.signCount } });
    const started = await authorize(page, a);
    // The login page: its email field offers the browser's passkeys (conditional UI), and a button.
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await screenshot(page, SHOTS, 'login-with-passkey-button');
    await typePassword(page, ALICE);
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    await screenshot(page, SHOTS, 'second-factor-passkey');
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    const claims = await claimsAtCallback(page, a, started);
    expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect(claims.acr).toBe(ACR.multiFactor);
    expect(Number((await passkeyRows(a))[0]!.sign_count)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("signs in without a password (discoverable passkey, user verified): amr hwk, mfa; tenant B, on the same host, refuses A's passkey", async () => {
    const { context, page, cdp, authenticatorId, problems } = await pageWithAuthenticator();
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: VirtualCredential[] };
    expect(credentials).toEqual([]);
    const stored = Number((await passkeyRows(a))[0]!.sign_count);
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...aliceCredential, rpId: 'localhost', signCount: stored } });

    // The virtual authenticator answers the email field's passkey request (conditional UI) at
    // once, as a person picking the passkey from the suggestions would: no click, no password.
    const started = await authorize(page, a, { waitForLogin: false });
    const claims = await claimsAtCallback(page, a, started);
    expect(claims.amr).toEqual(['hwk', 'mfa']);
    expect(claims.acr).toBe(ACR.multiFactor);

    // Tenant B: the browser offers the same passkey (same RP ID), and B knows no such credential.
    await authorize(page, b, { waitForLogin: false });
    await page.getByText('This passkey is not registered for an account here.').waitFor();
    // The page saying so does not offer the passkey by itself again; the button tries again, and B refuses again.
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForLoadState('load');
    await page.getByText('This passkey is not registered for an account here.').waitFor();
    expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/t/${b.id}/interaction/[^/]+/passkey$`));
    await screenshot(page, SHOTS, 'tenant-b-refuses-tenant-a-passkey');
    expect(await passkeyRows(b)).toEqual([]);
    // The refusal's page is a 401, which Chromium reports; nothing else went wrong.
    expect(problems.filter((problem) => !problem.includes('401'))).toEqual([]);
    await context.close();
  });

  it('answers the page script in JSON, refusals as {error, error_description}: no interaction, no CSRF token, a wrong password on the account page', async () => {
    const outside = await fetch(`${a.issuer}/interaction/not-a-sign-in/passkey/options`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
    });
    expect(outside.status).toBe(400);
    expect(await outside.json()).toEqual({ error: 'invalid_interaction', error_description: expect.any(String) });

    const { context, page } = await pageWithAuthenticator();
    await authorize(page, a);
    const options = await page.evaluate(async () => {
      const form = document.getElementById('passkey-form') as HTMLFormElement;
      const call = async (body: URLSearchParams) => {
        const response = await fetch(form.dataset.optionsUrl!, { method: 'POST', headers: { accept: 'application/json' }, body });
        return { status: response.status, body: await response.json() };
      };
      return { forged: await call(new URLSearchParams({ csrf: 'forged' })), right: await call(new URLSearchParams(new FormData(form) as never)) };
    });
    expect(options.forged).toEqual({ status: 403, body: { error: 'invalid_form', error_description: expect.any(String) } });
    expect(options.right.status).toBe(200);
    expect(options.right.body.options).toMatchObject({ rpId: 'localhost', userVerification: 'required', challenge: expect.any(String) });

    // The account page's options need the password once the sign-in is older than five minutes
    // (at B, where alice has no factor yet, so the sign-in has no second step).
    await page.goto(`${b.issuer}/account/two-factor/passkey`);
    await typePassword(page, ALICE);
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add a passkey' }).waitFor();
    await sql`UPDATE oidc_payloads SET payload = jsonb_set(payload, '{loginTs}', to_jsonb((payload->>'loginTs')::bigint - 600)) WHERE model = 'Session'`.execute(b.db);
    const refused = await page.evaluate(async () => {
      const form = document.getElementById('passkey-form') as HTMLFormElement;
      const body = new URLSearchParams(new FormData(form) as never);
      body.set('current_password', 'not the password');
      const response = await fetch(form.dataset.optionsUrl!, { method: 'POST', headers: { accept: 'application/json' }, body });
      return { status: response.status, body: await response.json() };
    });
    expect(refused).toEqual({ status: 400, body: { error: 'invalid_password', error_description: expect.any(String) } });
    await context.close();
  });

  it('refuses an assertion made for another RP ID, and a counter that went backwards (audited); the same assertion for the right RP ID passes', async () => {
    const { context, page } = await pageWithAuthenticator();
    const origin = new URL(a.issuer).origin;

    await authorize(page, a);
    await postThroughLoginPage(page, (challenge) => craftedAssertion(aliceCredential, { challenge, origin, rpId: 'evil.example', counter: 1000 }));
    await page.getByText('The passkey could not be verified').waitFor();
    expect(page.url()).not.toContain(REDIRECT_URI);

    // A counter behind the stored one, everything else right: refused and audited.
    const before = Number((await passkeyRows(a))[0]!.sign_count);
    expect(before).toBeGreaterThan(0);
    await authorize(page, a);
    await postThroughLoginPage(page, (challenge) => craftedAssertion(aliceCredential, { challenge, origin, rpId: 'localhost', counter: before - 1 === 0 ? 0 : before - 1 }));
    await page.getByText('it may have been copied').waitFor();
    const regressions = await a.db.selectFrom('audit_events').select('details').where('action', '=', 'user.passkey_counter_regression').execute();
    expect(regressions).toHaveLength(1);
    expect(regressions[0]!.details).toMatchObject({ stored_counter: before });

    // The crafted answer is otherwise right: for `localhost`, with a counter ahead, it signs in.
    const started = await authorize(page, a);
    await postThroughLoginPage(page, (challenge) => craftedAssertion(aliceCredential, { challenge, origin, rpId: 'localhost', counter: 1000 }));
    const claims = await claimsAtCallback(page, a, started);
    expect(claims.amr).toEqual(['hwk', 'mfa']);
    expect(Number((await passkeyRows(a))[0]!.sign_count)).toBe(1000);
    await context.close();
  });

  it('removes the passkey on the account page; the next sign-in asks for no second step; an admin reset removes passkeys', async () => {
    const { context, page, problems } = await pageWithAuthenticator();
    await page.goto(`${a.issuer}/account/two-factor`);
    await typePassword(page, ALICE);
    // Alice has a factor now: the second step offers her passkey; a recovery code does too.
    await page.getByRole('button', { name: 'Use your passkey' }).waitFor();
    const code = await signInCodeFor(a);
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 3, name: 'Work laptop' }).waitFor();
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('The factor is removed.').waitFor();
    expect(await passkeyRows(a)).toEqual([]);

    await page.context().clearCookies();
    const fresh = await authorize(page, a);
    await typePassword(page, ALICE);
    const claims = await claimsAtCallback(page, a, fresh);
    expect(claims.amr).toEqual(['pwd']);
    expect(problems.filter((problem) => !problem.includes('401'))).toEqual([]);
    await context.close();

    // An admin's reset of the user's factors takes passkeys too (they are factors, in the same table).
    const user = await a.db.selectFrom('users').select('id').where('email', '=', ALICE).executeTakeFirstOrThrow();
    const credentialId = b64url(crypto.randomBytes(16));
    expect(
      await insertPasskey(a.db, {
        id: crypto.randomUUID(),
        userId: user.id,
        label: 'Spare key',
        credentialId,
        publicKey: crypto.randomBytes(77),
        signCount: 0,
        transports: ['usb'],
        deviceType: 'singleDevice',
        backedUp: false,
        userHandle: credentialId,
      }),
    ).toBe(true);
    expect(await resetUserFactors(a, { userId: user.id }, TEST_ACTOR)).toMatchObject({ factors_removed: 1 });
    expect(await passkeyRows(a)).toEqual([]);
  });
});

/** A recovery code for alice, put in place here (the codes shown at the setup are not kept by the test). */
async function signInCodeFor(tenant: TestTenant): Promise<string> {
  const user = await tenant.db.selectFrom('users').select('id').where('email', '=', ALICE).executeTakeFirstOrThrow();
  const [code] = newRecoveryCodes();
  await replaceRecoveryCodes(tenant.db, user.id, [recoveryCodeHash(code!)]);
  return code!;
}
