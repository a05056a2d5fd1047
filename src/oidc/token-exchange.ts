import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { ALLOWED_RESOURCES } from '../modules/clients/client-metadata.ts';
import { TOKEN_EXCHANGE_GRANT, TOKEN_EXCHANGE_PARAMETERS } from '../modules/clients/client-profile.ts';
import { createFindAccount } from './account.ts';
import { letHandlerRefuseClientsWithout } from './opt-in-grants.ts';

/**
 * Token exchange (RFC 8693) for a service acting for a user: a confidential client that received
 * a user's access token (for its own API, say) trades it for an access token for another of the
 * tenant's APIs, which names the user as `sub` and the service as the actor (`act`, §4.1).
 *
 * - Only for clients with the grant in their grant types (an operator's opt-in; confidential
 *   only, client-rules.ts); any other gets `unauthorized_client`.
 * - `subject_token`: an access token of this tenant, of type `…:token-type:access_token`: a JWT
 *   (RFC 9068) signed by a key the tenant publishes, `iss` the tenant, `typ` `at+jwt`, not
 *   expired, for a user who is still active. Anything else is `invalid_grant`, a token of another
 *   tenant included (its keys are not these). Opaque tokens (userinfo's) are no subject.
 * - `resource`: the API the new token is for, one the client lists explicitly among its APIs
 *   (an empty list, which means "every API" for a sign-in the user consents to, grants none
 *   here: no user is asked). `scope`: the API's scopes wanted, each one of the API's; none asked,
 *   none given.
 * - The actor is the authenticated client; `actor_token` and `audience` are not supported.
 *   A subject token that already has an actor gives a nested `act` (RFC 8693 §4.1), so a chain
 *   of services stays visible. No refresh token: the service exchanges again.
 * - It cannot bind the new token to a DPoP key, so a client that takes only bound tokens gets none.
 */

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeDependencies {
  db: TenantDb;
  /** The keys the tenant publishes (its JWKS): a subject token must verify with one of them. */
  publicJwks: readonly JWK[];
  /** The provider's own resource-indicator policy, so the new token is the API's as in any flow. */
  getResourceServerInfo: NonNullable<NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>['getResourceServerInfo']>;
}

type ClientLike = {
  clientId: string;
  clientAuthMethod: string;
  grantTypes?: string[];
  dpopBoundAccessTokens?: boolean;
  [key: string]: unknown;
};
type Actor = { sub: string; act?: Actor };

/** Each exchanged token's actor, read by the provider's `extraTokenClaims` when it signs the token. */
const actors = new WeakMap<object, Actor>();

/** The `act` claim of a token this grant issued; nothing for any other token (configuration.ts). */
export function actorClaimsOf(token: object): { act: Actor } | undefined {
  const act = actors.get(token);
  return act ? { act } : undefined;
}

/** Call once per provider, before it serves requests. */
export function registerTokenExchange(provider: Provider, deps: TokenExchangeDependencies): void {
  letHandlerRefuseClientsWithout(provider, TOKEN_EXCHANGE_GRANT);
  const jwks = deps.publicJwks.map((jwk) => ({ ...jwk }));
  const keys = createLocalJWKSet({ keys: jwks });
  // Only the algorithms of the tenant's own keys: never `none`, never an HMAC a public key could be abused as.
  const algorithms = [...new Set(jwks.flatMap((jwk) => (typeof jwk.alg === 'string' ? [jwk.alg] : [])))];
  const findAccount = createFindAccount(deps.db);

  const verifySubject = async (token: string): Promise<JWTPayload> => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: provider.issuer, typ: 'at+jwt', algorithms, requiredClaims: ['exp', 'sub', 'client_id'] });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw invalidGrant('subject_token has expired');
      throw invalidGrant('subject_token is not an access token of this tenant');
    }
  };

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (grantContext) => {
      const ctx = grantContext as unknown as KoaContextWithOIDC;
      const client = ctx.oidc.client as unknown as ClientLike;
      if (!client.grantTypes?.includes(TOKEN_EXCHANGE_GRANT) || client.clientAuthMethod === 'none') {
        throw new errors.UnauthorizedClient('token exchange is not enabled for this client');
      }
      if (client.dpopBoundAccessTokens) {
        throw new errors.InvalidRequest('this client takes only DPoP-bound access tokens, which token exchange does not issue');
      }
      const params = ctx.oidc.params as Record<string, unknown>;
      const request = checkRequest(params, client);

      const subject = await verifySubject(request.subjectToken);
      const account = await findAccount(ctx, subject.sub!);
      if (!account) throw invalidGrant('subject_token does not stand for an active user of this tenant');
      ctx.oidc.entity('Account', account);

      const info = await deps.getResourceServerInfo(ctx, request.resource, client as never);
      const resourceServer = new provider.ResourceServer(request.resource, info);
      for (const scope of request.scopes) {
        if (!resourceServer.scopes.has(scope)) throw new errors.InvalidScope('requested scope is not a scope of this resource', scope);
      }

      // No grant: nothing was consented to that a grant would record, and an API token is a JWT,
      // which nothing looks up by grant (oidc-provider's types want the field nonetheless).
      const accessToken = new provider.AccessToken({ accountId: account.accountId, client: ctx.oidc.client!, gty: 'token_exchange', grantId: undefined as never });
      accessToken.resourceServer = resourceServer;
      accessToken.scope = request.scopes.join(' ') || undefined;
      actors.set(accessToken, { sub: client.clientId, ...(isActor(subject.act) ? { act: subject.act } : {}) });
      ctx.oidc.entity('AccessToken', accessToken);
      const value = await accessToken.save();

      ctx.body = {
        access_token: value,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: accessToken.tokenType,
        expires_in: accessToken.expiration,
        ...(accessToken.scope ? { scope: accessToken.scope } : {}),
      };
    },
    TOKEN_EXCHANGE_PARAMETERS,
  );
}

/** The request's parameters, judged before any token is looked at (RFC 8693 §2.1, §2.2.2). */
function checkRequest(params: Record<string, unknown>, client: ClientLike): { subjectToken: string; resource: string; scopes: string[] } {
  const { subject_token: subjectToken, subject_token_type: subjectTokenType, requested_token_type: requested, resource } = params;
  if (typeof subjectToken !== 'string' || !subjectToken || typeof subjectTokenType !== 'string' || !subjectTokenType) {
    throw new errors.InvalidRequest("missing required parameter(s) 'subject_token' and 'subject_token_type'");
  }
  if (subjectTokenType !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
    throw new errors.InvalidRequest('actor_token is not supported: the actor is the authenticated client');
  }
  if (params.audience !== undefined) throw new errors.InvalidTarget('name the API with resource, not audience');
  if (typeof resource !== 'string' || !resource) throw new errors.InvalidTarget('resource is required: the API the new token is for');
  const listed = client[ALLOWED_RESOURCES];
  if (!Array.isArray(listed) || !listed.includes(resource)) throw new errors.InvalidTarget('the client may not exchange tokens for this resource');
  const scopes = typeof params.scope === 'string' ? [...new Set(params.scope.split(' ').filter(Boolean))] : [];
  return { subjectToken, resource, scopes };
}

/** oidc-provider's InvalidGrant keeps its description fixed; these say why. */
const invalidGrant = (description: string) => new errors.CustomOIDCProviderError('invalid_grant', description);

function isActor(value: unknown): value is Actor {
  return typeof value === 'object' && value !== null && typeof (value as { sub?: unknown }).sub === 'string';
}
