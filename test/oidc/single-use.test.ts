import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { signIn, TestBrowser } from '../support/browser.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const PARALLEL = 10;

let bed: OidcTestBed;
let a: TestTenant;
let b: TestTenant;
let appA: string;
let appB: string;

beforeAll(async () => {
  // Two nodes: the racing requests land on two providers, as behind a balancer.
  bed = await startOidcTestBed(2);
  [a, b] = await Promise.all([createTestTenant(bed, uniqueTenantId('once-a')), createTestTenant(bed, uniqueTenantId('once-b'))]);
  const app = { name: 'app', type: 'public' as const, redirectUris: [REDIRECT_URI], firstParty: true };
  appA = (await createClient(a, app, TEST_ACTOR)).client.client_id;
  appB = (await createClient(b, app, TEST_ACTOR)).client.client_id;
});
afterAll(async () => {
  await bed?.close();
});

interface TokenAnswer {
  status: number;
  body: { error?: string; access_token?: string; refresh_token?: string };
}

async function postToken(tenant: TestTenant, form: Record<string, string>, node = 0): Promise<TokenAnswer> {
  const response = await fetch(`${bed.nodes[node]!.url}/t/${tenant.id}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
}

/** A fresh code (with offline_access, so the redemption also yields a refresh token). */
async function codeFor(tenant: TestTenant, clientId: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${tenant.issuer}/auth`);
  for (const [key, value] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid email offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(key, value);
  }
  const { callback } = await signIn(new TestBrowser(), url, { email: tenant.adminEmail, password: tenant.adminPassword, redirectUri: REDIRECT_URI });
  return { code: callback.searchParams.get('code')!, verifier };
}

const redeemForm = (clientId: string, code: string, verifier: string) => ({
  grant_type: 'authorization_code',
  code,
  code_verifier: verifier,
  redirect_uri: REDIRECT_URI,
  client_id: clientId,
});
const refreshForm = (clientId: string, refreshToken: string) => ({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

/** Fires the same request PARALLEL times at once, alternating between the two nodes. */
function race(tenant: TestTenant, form: Record<string, string>): Promise<TokenAnswer[]> {
  return Promise.all(Array.from({ length: PARALLEL }, (_, index) => postToken(tenant, form, index % bed.nodes.length)));
}

function expectOneWinner(answers: TokenAnswer[]): TokenAnswer {
  const winners = answers.filter((answer) => answer.status === 200);
  const losers = answers.filter((answer) => answer.status !== 200);
  expect(winners, JSON.stringify(answers.map((answer) => answer.status))).toHaveLength(1);
  for (const loser of losers) expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  return winners[0]!;
}

/** Every way a token of the grant could still be used is refused. */
async function expectGrantDead(tenant: TestTenant, clientId: string, tokens: TokenAnswer['body']) {
  const userinfo = await fetch(`${tenant.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(userinfo.status).toBe(401);
  const introspection = await fetch(`${tenant.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.access_token!, client_id: clientId }),
  });
  expect(await introspection.json()).toEqual({ active: false });
  expect(await postToken(tenant, refreshForm(clientId, tokens.refresh_token!))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
}

describe('single use under concurrency', () => {
  it(`${PARALLEL} parallel redemptions of one code: one succeeds, the rest are replays that revoke the grant`, async () => {
    const { code, verifier } = await codeFor(a, appA);
    const winner = expectOneWinner(await race(a, redeemForm(appA, code, verifier)));
    expect(winner.body.refresh_token).toBeTruthy();
    await expectGrantDead(a, appA, winner.body);
  });

  it(`${PARALLEL} parallel refreshes with one refresh token: one rotation, then the whole chain is revoked`, async () => {
    const { code, verifier } = await codeFor(a, appA);
    const issued = await postToken(a, redeemForm(appA, code, verifier));
    expect(issued.status).toBe(200);
    const winner = expectOneWinner(await race(a, refreshForm(appA, issued.body.refresh_token!)));
    expect(winner.body.refresh_token).not.toBe(issued.body.refresh_token);
    await expectGrantDead(a, appA, winner.body);
    await expectGrantDead(a, appA, issued.body);
  });
});

describe('tenant isolation of codes and refresh tokens', () => {
  it("a refresh token of A is refused at B and stays good at A", async () => {
    const { code, verifier } = await codeFor(a, appA);
    const issued = await postToken(a, redeemForm(appA, code, verifier));
    expect(issued.status).toBe(200);
    // A's client is unknown at B; B's own client does not make A's refresh token valid there either.
    expect(await postToken(b, refreshForm(appA, issued.body.refresh_token!))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await postToken(b, refreshForm(appB, issued.body.refresh_token!))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await postToken(a, refreshForm(appA, issued.body.refresh_token!))).status).toBe(200);
  });

  it('a code of A redeemed in parallel at B changes nothing at A', async () => {
    const { code, verifier } = await codeFor(a, appA);
    const atB = await race(b, redeemForm(appB, code, verifier));
    for (const answer of atB) expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await postToken(a, redeemForm(appA, code, verifier))).status).toBe(200);
  });
});
