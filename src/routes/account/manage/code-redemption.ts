import crypto from 'node:crypto';
import { jwtVerify } from 'jose';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.ts';
import { ACCOUNT_CLIENT_ID } from '../../../modules/clients/builtin-clients.ts';
import type { TenantContext } from '../../../tenancy/tenant-context.ts';
import { tenantKeySet } from '../../access-tokens.ts';

/**
 * Finishing the account page's sign-in: the authorization code is redeemed at the tenant's own
 * token endpoint, in process (`app.inject`), not over the network. The node may not be able to
 * reach its own public URL (behind a proxy, a load balancer, split DNS), and going through the
 * token endpoint rather than around it keeps every check of a real client: PKCE, the redirect
 * URI, one use per code, the client's grant (docs/architecture.md#the-account-page).
 */
export interface AccountSignIn {
  userId: string;
  /** The provider session the sign-in created or joined (the uid the sessions list shows). */
  sessionId: string;
}

export interface CodeRedemption {
  code: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
  /** The browser's address: the token endpoint sees the request as coming from it. */
  ip: string;
}

const CLOCK_TOLERANCE_SECONDS = 30;

export const signInFailed = (why: string) => new AppError('sign_in_failed', why, 400);

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

async function redeemAtTokenEndpoint(app: FastifyInstance, tenant: TenantContext, redemption: CodeRedemption) {
  const response = await app.inject({
    method: 'POST',
    url: `/t/${tenant.id}/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    payload: new URLSearchParams({
      grant_type: 'authorization_code',
      code: redemption.code,
      redirect_uri: redemption.redirectUri,
      client_id: ACCOUNT_CLIENT_ID,
      code_verifier: redemption.verifier,
    }).toString(),
    remoteAddress: redemption.ip,
  });
  const body = response.json() as { id_token?: unknown; access_token?: unknown; error?: unknown };
  if (response.statusCode !== 200 || typeof body.id_token !== 'string' || typeof body.access_token !== 'string') {
    throw signInFailed(`the token endpoint refused the code (${typeof body.error === 'string' ? body.error : response.statusCode})`);
  }
  return { idToken: body.id_token, accessToken: body.access_token };
}

/**
 * The ID token as any relying party checks it: signed with a key the tenant publishes (with that
 * key's algorithm), from this tenant, for the account client, carrying the nonce of this
 * browser's request.
 */
async function verifiedSubject(tenant: TenantContext, idToken: string, nonce: string): Promise<string> {
  const { keys, algorithms } = tenantKeySet(tenant);
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(idToken, keys, {
      issuer: tenant.issuer,
      audience: ACCOUNT_CLIENT_ID,
      algorithms,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'nonce', 'iat', 'exp'],
    }));
  } catch {
    throw signInFailed('the ID token is not valid for the account page');
  }
  if (typeof claims.nonce !== 'string' || !sameText(claims.nonce, nonce)) throw signInFailed('the ID token does not answer this sign-in (nonce)');
  return claims.sub!;
}

/**
 * Redeems the code and says who signed in and in which provider session. This client's ID tokens
 * carry no `sid` (oidc-provider adds it only for back-channel logout or when the `claims`
 * parameter asks, both off), so the session comes from the access token issued with it, read
 * through the provider's own model; the page needs no token afterwards, so it is destroyed.
 */
export async function redeemAccountCode(app: FastifyInstance, tenant: TenantContext, redemption: CodeRedemption): Promise<AccountSignIn> {
  const tokens = await redeemAtTokenEndpoint(app, tenant, redemption);
  const userId = await verifiedSubject(tenant, tokens.idToken, redemption.nonce);
  const accessToken = await tenant.provider.AccessToken.find(tokens.accessToken);
  const sessionId = accessToken?.sessionUid;
  if (!accessToken || accessToken.accountId !== userId || accessToken.clientId !== ACCOUNT_CLIENT_ID || !sessionId) {
    throw signInFailed('the sign-in has no session');
  }
  await accessToken.destroy();
  return { userId, sessionId };
}
