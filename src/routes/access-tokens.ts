import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TenantContext } from '../tenancy/tenant-context.ts';

/**
 * Verifying an RFC 9068 access token that a tenant issued for one of its built-in APIs (the
 * tenant admin API, and the admin tenant's platform API): signed by a key the tenant publishes,
 * with one of those keys' own algorithms, `iss` the tenant, `aud` the API, `typ` `at+jwt`,
 * within its lifetime. Both admin guards use it; what the caller may do is theirs to decide.
 */

/** Enough for the clocks of a few nodes to disagree; small against a token that lives ten minutes. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * One key set per tenant context, built on first use: jose imports each key once and keeps it in
 * the set. The context holds exactly the keys the tenant publishes, and a key change builds a new
 * context, so the set can never be stale; held weakly, it goes with an evicted context. The
 * account page checks its ID tokens with it too (account/manage/code-redemption.ts).
 */
const keySets = new WeakMap<TenantContext, { keys: JWTVerifyGetKey; algorithms: string[] }>();
export function tenantKeySet(tenant: TenantContext) {
  let set = keySets.get(tenant);
  if (!set) {
    const jwks = tenant.publicJwks.map((jwk) => ({ ...jwk }));
    // Only the algorithms of the tenant's own keys: never `none`, never an HMAC a public key could be abused as.
    const algorithms = [...new Set(jwks.flatMap((jwk) => (typeof jwk.alg === 'string' ? [jwk.alg] : [])))];
    set = { keys: createLocalJWKSet({ keys: jwks }), algorithms };
    keySets.set(tenant, set);
  }
  return set;
}

/** Why a token was refused, in words for the caller; `other` names what the token is not. */
function describeVerificationFailure(error: unknown, other: string): string {
  if (error instanceof joseErrors.JWTExpired) return 'the access token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the access token's "${error.claim}" claim is not accepted here`;
  return `the access token is not ${other}`;
}

/**
 * The tenant's issuer, and the one it had before its issuer last moved while that one's grace
 * lasts (modules/domains/domains.service.ts): a token issued just before the move stays good
 * until it expires. An API named after the issuer (`<issuer>/admin`) was named after the old one then.
 */
function acceptedIssuers(tenant: TenantContext, audience: string): { issuers: string[]; audiences: string[] } {
  const { previous_issuer: previous, previous_issuer_until: until } = tenant.row;
  if (!previous || !until || until.getTime() <= Date.now()) return { issuers: [tenant.issuer], audiences: [audience] };
  const renamed = audience.startsWith(`${tenant.issuer}/`) ? `${previous}${audience.slice(tenant.issuer.length)}` : audience;
  return { issuers: [tenant.issuer, previous], audiences: [...new Set([audience, renamed])] };
}

/** The verified claims, or a `refused` call with the reason (the guard answers 401 with it). */
export async function verifyTenantAccessToken(
  tenant: TenantContext,
  token: string,
  options: { audience: string; isNot: string; refused: (description: string) => Error },
): Promise<JWTPayload> {
  const { keys, algorithms } = tenantKeySet(tenant);
  const { issuers, audiences } = acceptedIssuers(tenant, options.audience);
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: issuers,
      audience: audiences,
      typ: 'at+jwt',
      algorithms,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
    });
    return payload;
  } catch (error) {
    throw options.refused(describeVerificationFailure(error, options.isNot));
  }
}
