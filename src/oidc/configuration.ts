import { errors, type Configuration, type JWK, type KoaContextWithOIDC, type Grant } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import type { TenantCatalog } from './tenant-catalog.ts';
import type { ApiRow } from '../modules/apis/apis.repository.ts';
import type { TokenLifetimes } from '../modules/settings/setting-bounds.ts';
import { createAdapterFactory } from './adapter.ts';
import { EXTERNAL_SIGNING_FEATURE, nativeSigningKeys } from './native-signing-keys.ts';
import { CLAIMS_BY_SCOPE, createFindAccount } from './account.ts';
import { ALLOWED_RESOURCES, CORS_ORIGINS, FIRST_PARTY, GRANTED_APIS } from '../modules/clients/client-metadata.ts';
import { CLIENT_FEATURES, clientProfile } from '../modules/clients/client-profile.ts';
import { adminResourceServer } from './admin-resource-server.ts';
import { originsOf } from '../modules/clients/client-origins.ts';
import { adminApiIdentifier } from '../modules/apis/admin-api.ts';
import { logoutPage, signedOutPage } from './pages/logout.ts';
import { providerErrorPage } from './pages/provider-errors.ts';
import { LOCALES } from '../modules/branding/locales.ts';
import { setUiLocales } from '../modules/branding/page-context.ts';
import { issuerPath } from '../platform/issuer.ts';
import { ACR_VALUES } from './sign-in.ts';
import { signInPolicy } from './acr.ts';
import { deviceFlowFeature } from './device-flow.ts';
import { actorClaimsOf } from './token-exchange.ts';

export interface ProviderDependencies {
  tenantId: string;
  tenantName: string;
  issuer: string;
  db: TenantDb;
  /** Private JWKs, active first (oidc-provider signs with the first match). */
  jwks: JWK[];
  /** Cookie signing keys derived for this tenant; newest first. */
  cookieKeys: string[];
  catalog: TenantCatalog;
  /** The tenant's token and session lifetimes, in seconds (modules/settings). */
  tokenLifetimes: TokenLifetimes;
}

/** Lifetimes no tenant setting changes; the others are the tenant's own (settings: token lifetimes). */
export const TTL = Object.freeze({
  AuthorizationCode: 60,
  Interaction: 60 * 60,
  // A device flow's device and user codes (RFC 8628): ten minutes to type the code and sign in.
  DeviceCode: 10 * 60,
});

function isClientCredentials(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
}

/**
 * A machine client (client credentials) may use only the APIs granted to it; a client signing a
 * user in may use the APIs it lists, or every API when it lists none, since the user consents.
 */
function mayUseApi(ctx: KoaContextWithOIDC, client: { [key: string]: unknown }, api: ApiRow): boolean {
  if (isClientCredentials(ctx)) {
    const granted = client[GRANTED_APIS];
    return Array.isArray(granted) && granted.includes(api.identifier);
  }
  const allowed = client[ALLOWED_RESOURCES];
  return !Array.isArray(allowed) || allowed.length === 0 || allowed.includes(api.identifier);
}

/** The origins a client's browser app may call from: its redirect URIs' and its registered CORS origins. */
function allowedOrigins(client: { redirectUris?: readonly string[]; [key: string]: unknown }): string[] {
  const registered = client[CORS_ORIGINS];
  return originsOf(client.redirectUris ?? [], Array.isArray(registered) ? registered : []);
}

export function isFirstParty(client: { [key: string]: unknown } | undefined): boolean {
  return client?.[FIRST_PARTY] === true;
}

function requestedScopes(ctx: KoaContextWithOIDC): Set<string> {
  const scope = ctx.oidc.params?.scope;
  return new Set(typeof scope === 'string' ? scope.split(' ') : []);
}

export function interactionPath(issuer: string, uid: string): string {
  return `${issuerPath(issuer)}/interaction/${uid}`;
}

/**
 * Each API's access tokens live as long as the API says (its `access_token_ttl`; the admin API ten
 * minutes); the tenant's setting covers the rest: userinfo tokens and client-credentials tokens
 * for no API. A grant lives as long as the longest thing that needs it: a refresh token redeemed,
 * or a session coming back for consent-free sign-ins, fails once its grant is gone.
 */
function tokenTtl(lifetimes: TokenLifetimes): NonNullable<Configuration['ttl']> {
  return {
    ...TTL,
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? lifetimes.accessToken,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? lifetimes.accessToken,
    IdToken: lifetimes.idToken,
    Session: lifetimes.session,
    Grant: Math.max(lifetimes.session, lifetimes.refreshToken),
    // A rotated refresh token inherits what is left of the chain's lifetime: rotation never extends it.
    RefreshToken: (ctx) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? lifetimes.refreshToken,
  };
}

export function providerConfiguration(deps: ProviderDependencies): Configuration {
  const { catalog, tenantId, issuer } = deps;
  const basePath = issuerPath(issuer);
  // API access tokens are signed with the active key's algorithm (the first key, see signing-keys.ts).
  const accessTokenAlg = (deps.jwks[0]?.alg ?? 'RS256') as 'RS256' | 'ES256';
  const adminApi = adminApiIdentifier(issuer);
  const adminServerInfo = adminResourceServer({ db: deps.db, identifier: adminApi, alg: accessTokenAlg });

  /**
   * The tenant's default API applies when no `resource` is given: always for client
   * credentials, and for user flows only when API scopes are asked for, so that a plain
   * sign-in keeps an access token the userinfo endpoint accepts.
   */
  async function defaultResource(ctx: KoaContextWithOIDC, client: { [key: string]: unknown }, oneOf?: string[]) {
    // Several APIs granted and none named: one is unambiguous, more must be chosen by the client.
    if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
    const api = await catalog.defaultApi();
    if (!api || !mayUseApi(ctx, client, api)) return undefined;
    if (isClientCredentials(ctx)) return api.identifier;
    const scopes = requestedScopes(ctx);
    return api.scopes.some((scope) => scopes.has(scope)) ? api.identifier : undefined;
  }

  async function getResourceServerInfo(ctx: KoaContextWithOIDC, identifier: string, client: { [key: string]: unknown }) {
    if (identifier === adminApi) return adminServerInfo(ctx, client);
    const api = await catalog.api(identifier);
    if (!api || !mayUseApi(ctx, client, api)) throw new errors.InvalidTarget();
    return {
      scope: api.scopes.join(' '),
      audience: api.identifier,
      accessTokenTTL: api.access_token_ttl,
      accessTokenFormat: 'jwt' as const,
      jwt: { sign: { alg: accessTokenAlg } },
    };
  }

  /** First-party clients get their grant without a consent page (docs/architecture.md#field-notes). */
  async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { client, session, provider } = ctx.oidc;
    if (!client || !session) return undefined;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    const existing = grantId ? await provider.Grant.find(grantId) : undefined;
    if (!isFirstParty(client as never) || !session.accountId) return existing;
    const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    const claims = ctx.oidc.claims;
    const requestedClaims = [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})];
    if (requestedClaims.length > 0) grant.addOIDCClaims(requestedClaims);
    for (const [identifier, server] of Object.entries(ctx.oidc.resourceServers ?? {})) {
      const scopes = [...requestedScopes(ctx)].filter((scope) => server.scopes.has(scope));
      grant.addResourceScope(identifier, scopes.join(' '));
    }
    await grant.save();
    return grant;
  }

  return {
    adapter: createAdapterFactory(deps.db, (clientId) => catalog.client(clientId)),
    findAccount: createFindAccount(deps.db),
    jwks: { keys: nativeSigningKeys(deps.jwks) },
    claims: CLAIMS_BY_SCOPE as unknown as Configuration['claims'],
    ...clientProfile(),
    // Claims for the granted scopes go into the ID token too, not only to userinfo.
    conformIdTokenClaims: false,
    rotateRefreshToken: true,
    ttl: tokenTtl(deps.tokenLifetimes),
    cookies: {
      names: { session: `tansu.${tenantId}.session`, interaction: `tansu.${tenantId}.interaction`, resume: `tansu.${tenantId}.resume` },
      // Without a tenant path every tenant's session cookie would land on `/` and overwrite the others.
      // On the tenant's own host the path is `/` and no Domain attribute is set: host-only cookies.
      long: { path: `${basePath}/`, httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
      keys: deps.cookieKeys,
    },
    loadExistingGrant,
    // The actor (`act`) of a token issued by token exchange (token-exchange.ts); nothing for any other.
    extraTokenClaims: (_ctx, token) => actorClaimsOf(token),
    // `idp_hint=<connection>` sends the login prompt straight to that upstream provider (modules/connections/).
    extraParams: ['idp_hint'],
    // Browser apps may call the provider from the origins of their redirect URIs and from the CORS
    // origins registered for them; servers need no CORS.
    clientBasedCORS: (ctx, origin, client) =>
      (client.clientAuthMethod === 'none' || ctx.oidc.route === 'userinfo') && allowedOrigins(client).includes(origin),
    // Published, so relying parties can ask for MFA (oidc/sign-in.ts); the policy adds step-up (oidc/acr.ts).
    acrValues: [...ACR_VALUES],
    // The languages of the hosted pages; `ui_locales` picks among them (modules/branding/locales.ts).
    discovery: { claim_types_supported: ['normal'], ui_locales_supported: [...LOCALES] },
    interactions: {
      policy: signInPolicy(),
      url: (_ctx, interaction) => interactionPath(issuer, interaction.uid),
    },
    features: {
      ...structuredClone(CLIENT_FEATURES),
      externalSigningSupport: EXTERNAL_SIGNING_FEATURE,
      // For an `acr` claim request (step-up, oidc/acr.ts). Claims asked for this way are consented to
      // like scopes: listed on the consent page, granted to first-party clients in loadExistingGrant.
      claimsParameter: { enabled: true },
      deviceFlow: deviceFlowFeature(deps.tenantName),
      introspection: {
        enabled: true,
        /**
         * A client learns about its own tokens only; for any other token the answer is
         * `{active: false}`, so a client cannot read another's subject and scopes, nor test
         * whether a stolen refresh token still works. Resource servers need no exception: every
         * API access token is an RFC 9068 JWT (getResourceServerInfo), verified with the JWKS,
         * and the endpoint refuses JWTs anyway (unsupported_token_type). What it can see are
         * opaque tokens: access tokens for userinfo and refresh tokens, both the client's own.
         */
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          setUiLocales(ctx.oidc?.params?.ui_locales);
          ctx.type = 'html';
          ctx.body = logoutPage(deps.tenantName, form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = signedOutPage(deps.tenantName, `${basePath}/account`);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: defaultResource as never,
        getResourceServerInfo: getResourceServerInfo as never,
        // A grant that names an API yields access tokens for that API.
        useGrantedResource: async () => true,
      },
    },
    renderError: async (ctx, out) => {
      setUiLocales(ctx.oidc?.params?.ui_locales);
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = providerErrorPage(ctx.oidc?.route, out);
    },
  };
}
