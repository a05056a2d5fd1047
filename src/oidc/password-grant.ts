import { errors, type Account, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { authenticatePassword } from '../modules/users/authenticate.ts';
import { readTenantSettingsFrom } from '../modules/settings/settings.service.ts';
import { secondFactorNeeded } from '../modules/mfa/factor-required.ts';
import type { TenantLoginKeys } from '../modules/users/login-keys.ts';
import { createFindAccount } from './account.ts';
import { passwordSignIn, type SignIn } from './sign-in.ts';
import { clientIpOf } from '../http/client-ip.ts';
import { letHandlerRefuseClientsWithout } from './opt-in-grants.ts';
import { OIDC_SCOPES, PASSWORD_GRANT, PASSWORD_GRANT_PARAMETERS } from '../modules/clients/client-profile.ts';

/**
 * The legacy resource-owner password grant (RFC 6749 §4.3), for first-party apps whose client
 * explicitly lists `password` in its grant types. OAuth 2.1 drops it: the code flow is the way;
 * this exists for apps that cannot show a browser yet.
 *
 * It signs users in exactly like the login page (authenticatePassword: same throttling and
 * lockout) and issues what the code flow would for the same scopes: an access token (a JWT for an
 * API when a resource applies, else opaque for userinfo), an ID token for `openid`, and a
 * refresh token for `offline_access` when the client may refresh.
 *
 * Errors, RFC 6749 §5.2:
 * - client without the grant → `unauthorized_client`;
 * - public client (auth method `none`) → `unauthorized_client`: without client authentication
 *   anyone who reads the app's client_id could post passwords to the token endpoint in its name,
 *   outside the login page and its browser-bound protections;
 * - unknown email, wrong password, disabled account → `invalid_grant` with one description,
 *   the same words for all, so the answer never tells whether the email exists;
 * - right password, but the tenant requires a confirmed address and this one is not →
 *   `invalid_grant` saying so (only the password's owner learns it);
 * - right password, but the account has a second factor, or the tenant requires one of it
 *   (modules/mfa/): this grant cannot ask for a code, so `invalid_grant` saying to sign in
 *   through the browser;
 * - throttled → `invalid_grant` as well (clients need handle nothing new), saying to retry later,
 *   with a `Retry-After` header. Not 429: RFC 6749 token errors are 400, and the lock is the
 *   account's or the address's state, not the client's request rate.
 */
const DEFAULT_SCOPE = 'openid';
const MAX_CREDENTIAL_LENGTH = 1024;

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

export interface PasswordGrantDependencies {
  db: TenantDb;
  /** The tenant's sign-in keys (login-keys.ts), for the keyed identifier digests of the throttle. */
  loginKeys: TenantLoginKeys;
  /** The provider's own resource-indicator policy, so API tokens come out as in the code flow. */
  resourceIndicators: Pick<ResourceIndicators, 'defaultResource' | 'getResourceServerInfo'>;
}

type ClientLike = {
  clientId: string;
  clientAuthMethod: string;
  grantTypes?: string[];
  scope?: string;
  dpopBoundAccessTokens?: boolean;
  grantTypeAllowed(type: string): boolean;
};
type ResourceServerLike = InstanceType<Provider['ResourceServer']>;

/** Call once per provider, before it serves requests (clients are validated against registered grants). */
export function registerPasswordGrant(provider: Provider, deps: PasswordGrantDependencies): void {
  letHandlerRefuseClientsWithout(provider, PASSWORD_GRANT);

  const findAccount = createFindAccount(deps.db);
  provider.registerGrantType(PASSWORD_GRANT, (ctx) => passwordGrant(provider, deps, findAccount, ctx as unknown as KoaContextWithOIDC), PASSWORD_GRANT_PARAMETERS);
}

async function passwordGrant(
  provider: Provider,
  deps: PasswordGrantDependencies,
  findAccount: ReturnType<typeof createFindAccount>,
  ctx: KoaContextWithOIDC,
): Promise<void> {
  const client = ctx.oidc.client as unknown as ClientLike;
  if (!client.grantTypes?.includes(PASSWORD_GRANT)) {
    throw new errors.UnauthorizedClient('the password grant is not enabled for this client');
  }
  if (client.clientAuthMethod === 'none') {
    throw new errors.UnauthorizedClient('the password grant needs a confidential client');
  }
  // It cannot bind tokens to a DPoP key (RFC 9449); a client that takes only bound tokens gets none.
  if (client.dpopBoundAccessTokens) {
    throw new errors.InvalidRequest('this client takes only DPoP-bound access tokens, which the password grant does not issue');
  }
  const params = ctx.oidc.params as Record<string, unknown>;
  const { username, password } = params;
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) {
    throw new errors.InvalidRequest("missing required parameter(s) 'username' and 'password'");
  }
  if (username.length > MAX_CREDENTIAL_LENGTH || password.length > MAX_CREDENTIAL_LENGTH) throw invalidCredentials();

  const requested = requestedScopes(params, client);
  const resourceServer = await resolveResource(provider, deps, ctx, client, params);

  const outcome = await authenticatePassword(deps.db, deps.loginKeys, { email: username, password, ip: clientIpOf(ctx.req) ?? ctx.ip });
  if (!outcome.ok) {
    if (outcome.reason === 'throttled') {
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
      throw new errors.CustomOIDCProviderError('invalid_grant', `too many failed sign-in attempts; retry in ${outcome.retryAfterSeconds} seconds`);
    }
    throw invalidCredentials();
  }
  // As on the login page: where the tenant requires it, an unconfirmed address signs in nowhere.
  if (!outcome.user.email_verified && (await readTenantSettingsFrom(deps.db)).verifiedEmailRequired) {
    throw new errors.CustomOIDCProviderError('invalid_grant', 'the email address of this account is not confirmed yet');
  }
  if (await secondFactorNeeded(deps.db, outcome.user.id)) {
    throw new errors.CustomOIDCProviderError('invalid_grant', 'this account signs in with a second factor, which the password grant cannot ask for; sign in through the browser (authorization code flow)');
  }
  const signIn = passwordSignIn(outcome.user.id);
  const account = await findAccount(ctx, signIn.accountId);
  if (!account) throw invalidCredentials();
  ctx.oidc.entity('Account', account);

  const oidcScopes = [...requested].filter((scope) => (OIDC_SCOPES as readonly string[]).includes(scope));
  const apiScopes = resourceServer ? [...requested].filter((scope) => resourceServer.scopes.has(scope)) : [];
  const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
  grant.addOIDCScope(oidcScopes.join(' '));
  if (resourceServer) grant.addResourceScope(resourceServer.identifier(), apiScopes.join(' '));
  const grantId = await grant.save();
  ctx.oidc.entity('Grant', grant);

  const authTime = Math.floor(Date.now() / 1000);
  const accessToken = new provider.AccessToken({ accountId: account.accountId, client: ctx.oidc.client!, grantId, gty: PASSWORD_GRANT });
  if (resourceServer) {
    accessToken.resourceServer = resourceServer;
    accessToken.scope = apiScopes.join(' ') || undefined;
  } else {
    accessToken.scope = oidcScopes.join(' ') || undefined;
  }
  ctx.oidc.entity('AccessToken', accessToken);
  const accessTokenValue = await accessToken.save();

  let refreshTokenValue: string | undefined;
  if (oidcScopes.includes('offline_access')) {
    const refreshToken = new provider.RefreshToken({
      accountId: account.accountId,
      client: ctx.oidc.client!,
      grantId,
      gty: PASSWORD_GRANT,
      scope: [...oidcScopes, ...apiScopes].join(' '),
      resource: resourceServer?.identifier(),
      rotations: 0,
      authTime,
      amr: [...signIn.amr],
      acr: signIn.acr,
    });
    ctx.oidc.entity('RefreshToken', refreshToken);
    refreshTokenValue = await refreshToken.save();
  }

  const idToken = oidcScopes.includes('openid') ? await issueIdToken(provider, ctx, account, grant, oidcScopes, signIn, authTime) : undefined;

  ctx.body = Object.fromEntries(
    Object.entries({
      access_token: accessTokenValue,
      expires_in: accessToken.expiration,
      id_token: idToken,
      refresh_token: refreshTokenValue,
      scope: accessToken.scope,
      token_type: accessToken.tokenType,
    }).filter(([, value]) => value !== undefined),
  );
}

const invalidCredentials = () => new errors.CustomOIDCProviderError('invalid_grant', 'the username or password is not correct');

/**
 * The scopes asked for (default `openid`); the client's allow-list applies to the scopes the
 * provider knows, as in the code flow; `offline_access` only for clients that may refresh.
 */
function requestedScopes(params: Record<string, unknown>, client: ClientLike): Set<string> {
  const raw = typeof params.scope === 'string' && params.scope.trim() ? params.scope : DEFAULT_SCOPE;
  // The token endpoint reads `scope` for the default resource; keep it in step with the default.
  params.scope = raw;
  const scopes = new Set(raw.split(' ').filter(Boolean));
  const allowList = client.scope ? new Set(client.scope.split(' ')) : undefined;
  for (const scope of scopes) {
    if (allowList && (OIDC_SCOPES as readonly string[]).includes(scope) && !allowList.has(scope)) {
      throw new errors.InvalidScope('requested scope is not allowed', scope);
    }
  }
  if (!client.grantTypeAllowed('refresh_token')) scopes.delete('offline_access');
  return scopes;
}

/** One API at most, as for client credentials: the one asked for, or the tenant's default. */
async function resolveResource(
  provider: Provider,
  deps: PasswordGrantDependencies,
  ctx: KoaContextWithOIDC,
  client: ClientLike,
  params: Record<string, unknown>,
): Promise<ResourceServerLike | undefined> {
  const { defaultResource, getResourceServerInfo } = deps.resourceIndicators;
  let resource: unknown = params.resource;
  if (resource === undefined && defaultResource) resource = await defaultResource(ctx, client as never);
  if (resource === undefined || resource === null || resource === '') return undefined;
  if (typeof resource !== 'string') throw new errors.InvalidTarget('only a single resource indicator value is supported for this grant type');
  if (!URL.canParse(resource) || resource.includes('#')) throw new errors.InvalidTarget('resource indicator must be an absolute URI without a fragment');
  if (!getResourceServerInfo) throw new errors.InvalidTarget();
  const info = await getResourceServerInfo(ctx, resource, client as never);
  return new provider.ResourceServer(resource, info);
}

async function issueIdToken(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  account: Account,
  grant: InstanceType<Provider['Grant']>,
  oidcScopes: string[],
  signIn: SignIn,
  authTime: number,
): Promise<string> {
  const scope = oidcScopes.join(' ');
  const claims = await account.claims('id_token', scope, {}, []);
  const IdToken = provider.IdToken as unknown as new (
    claims: Record<string, unknown>,
    options: { ctx: KoaContextWithOIDC },
  ) => { scope: string; mask: object; rejected: string[]; set(key: string, value: unknown): void; issue(options: { use: 'idtoken' }): Promise<string> };
  const token = new IdToken({ ...claims, sub: account.accountId }, { ctx });
  token.scope = grant.getOIDCScopeFiltered(new Set(oidcScopes));
  token.mask = {};
  token.rejected = [];
  // Outside the scope filter: how and when the user authenticated, as the code flow's ID token says it.
  token.set('amr', [...signIn.amr]);
  if (signIn.acr !== undefined) token.set('acr', signIn.acr);
  token.set('auth_time', authTime);
  return token.issue({ use: 'idtoken' });
}
