import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { ADMIN_ACCESS_TOKEN_TTL, ADMIN_API_SCOPES } from '../modules/apis/admin-api.ts';
import { ALLOWED_RESOURCES, FIRST_PARTY, GRANTED_APIS } from '../modules/clients/client-metadata.ts';
import { PASSWORD_GRANT } from '../modules/clients/client-profile.ts';
import { isActiveTenantAdmin } from '../modules/users/users.repository.ts';

export interface AdminResourceServerDependencies {
  db: TenantDb;
  /** `<issuer>/admin` (modules/apis/admin-api.ts). */
  identifier: string;
  /** The algorithm of the tenant's active key, as for every API's tokens. */
  alg: 'RS256' | 'ES256';
}

/**
 * `getResourceServerInfo` for the built-in admin API: who may get its tokens, and with which scopes.
 *
 * - A machine client (client credentials) only with an operator's grant (`client grant-api …
 *   <issuer>/admin`); without it `invalid_target`, as for any API not granted. It gets the admin
 *   scopes it asks for, and nothing for scopes that do not exist.
 * - A user only through a first-party client: admin power is not something a third-party app
 *   should obtain with one click on a consent page. Not through the password grant either: its
 *   resource is resolved before the user is known, and the admin API is for the code flow.
 * - The user's role decides at the token endpoint, where the account is known (code redeemed,
 *   refresh token used): a user without TenantAdmin gets the token with no admin scope at all.
 *   Dropping scopes, not refusing: the authorization request cannot be refused for a user who has
 *   not signed in yet, and refusing at the token endpoint would cost the client the whole sign-in
 *   (the code is spent, no ID token); RFC 6749 §3.3 lets the server grant less than asked, and the
 *   token response's `scope` says what was granted. Each refresh looks at the role again.
 */
export function adminResourceServer(deps: AdminResourceServerDependencies) {
  const info = (scopes: readonly string[]) => ({
    scope: scopes.join(' '),
    audience: deps.identifier,
    accessTokenTTL: ADMIN_ACCESS_TOKEN_TTL,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: deps.alg } },
  });

  return async (ctx: KoaContextWithOIDC, client: { [key: string]: unknown }) => {
    const grantType = ctx.oidc.route === 'token' ? ctx.oidc.params?.grant_type : undefined;
    if (grantType === 'client_credentials') {
      const granted = client[GRANTED_APIS];
      if (!Array.isArray(granted) || !granted.includes(deps.identifier)) throw new errors.InvalidTarget();
      return info(ADMIN_API_SCOPES);
    }
    if (grantType === PASSWORD_GRANT) throw new errors.InvalidTarget('the admin API is not available through the password grant');
    if (client[FIRST_PARTY] !== true) throw new errors.InvalidTarget("only the tenant's first-party clients may request the admin API for a user");
    // A client that names its APIs must name this one too, as for any API (the built-in account page names none of them).
    const allowed = client[ALLOWED_RESOURCES];
    if (Array.isArray(allowed) && allowed.length > 0 && !allowed.includes(deps.identifier)) throw new errors.InvalidTarget();
    // Authorization and consent: nothing is issued yet, and the user may not have signed in.
    if (ctx.oidc.route !== 'token') return info(ADMIN_API_SCOPES);
    const account = ctx.oidc.account;
    if (!account) throw new errors.InvalidTarget();
    return info((await isActiveTenantAdmin(deps.db, account.accountId)) ? ADMIN_API_SCOPES : []);
  };
}
