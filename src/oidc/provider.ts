import Provider, { type CanBePromise, type Configuration, type JWK, type TokenEndpointGrantContext } from 'oidc-provider';
import type { Platform } from '../platform/platform.ts';
import type { TenantDb } from '../db/tenant-database.ts';
import type { JWK as PublicJwk } from 'jose';
import { clientSecretMatches } from '../modules/clients/client-secret.ts';
import { PREVIOUS_SECRET, PREVIOUS_SECRET_EXPIRES_AT } from '../modules/clients/client-metadata.ts';
import { providerConfiguration } from './configuration.ts';
import { createTenantCatalog } from './tenant-catalog.ts';
import { tenantCookieKeys } from './cookie-keys.ts';
import { registerPasswordGrant } from './password-grant.ts';
import { registerTokenExchange } from './token-exchange.ts';
import { loginKeysFor } from '../modules/users/login-keys.ts';
import { countIssuedTokens } from '../ops/metrics.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { answerDatabaseOutagesWith503 } from './database-outage.ts';
import { answerUnknownRoutes } from './unknown-routes.ts';
import { upstreamClaims } from './sign-in.ts';
import type { TokenLifetimes } from '../modules/settings/setting-bounds.ts';
import { DEVICE_CODE_GRANT } from '../modules/clients/client-profile.ts';
import { completeDeviceAuthorizationAnswers, paceDevicePolls } from './device-flow.ts';
import { detectReplaysAtomically } from './replay-detection.ts';

export interface TenantProviderInput {
  id: string;
  displayName: string;
  issuer: string;
  db: TenantDb;
  /** The tenant's published private keys, active first (loadPublishedKeySet). */
  jwks: JWK[];
  /** Their public halves, as the tenant's JWKS publishes them (token exchange verifies subject tokens with these). */
  publicJwks: readonly PublicJwk[];
  /** The tenant's token and session lifetimes (settings); a change announces `settings` and builds a new provider. */
  tokenLifetimes: TokenLifetimes;
}

/**
 * One oidc-provider per tenant (docs/architecture.md#request-flow), built from the tenant's
 * published keys and token lifetimes. Both are fixed here: a rotation, the end of a retired key's
 * grace period or a change of lifetimes drops the tenant's context, and the next request builds a
 * new one.
 */
export async function createTenantProvider(platform: Platform, tenant: TenantProviderInput): Promise<Provider> {
  const configuration = providerConfiguration({
    tenantId: tenant.id,
    tenantName: tenant.displayName,
    issuer: tenant.issuer,
    db: tenant.db,
    jwks: tenant.jwks,
    tokenLifetimes: tenant.tokenLifetimes,
    cookieKeys: tenantCookieKeys(platform.config, tenant.id),
    catalog: createTenantCatalog(tenant.db, tenant.issuer, tenant.id),
  });
  const provider = new TenantProvider(tenant.issuer, configuration, tenant.db);
  shareKoaPrototypes(provider);
  // Koa reads the scheme, host and client address from X-Forwarded-*, which every request gets
  // rewritten from what Fastify resolved (with TRUSTED_PROXIES) first: see forwarded-headers.ts.
  provider.proxy = true;
  useHashedClientSecrets(provider);
  keepClientInstances(provider);
  claimUpstreamProvider(provider);
  registerPasswordGrant(provider, {
    db: tenant.db,
    loginKeys: loginKeysFor(platform.config, tenant.id),
    resourceIndicators: configuration.features!.resourceIndicators!,
  });
  registerTokenExchange(provider, {
    db: tenant.db,
    publicJwks: tenant.publicJwks,
    getResourceServerInfo: configuration.features!.resourceIndicators!.getResourceServerInfo!,
  });

  completeDeviceAuthorizationAnswers(provider);
  detectReplaysAtomically(provider, tenant.db);

  const log = platform.log.child({ tenant: tenant.id });
  answerDatabaseOutagesWith503(provider);
  answerUnknownRoutes(provider, { tenantName: tenant.displayName, issuer: tenant.issuer });
  provider.on('server_error', (_ctx, error) => {
    // A database outage is answered with 503 and seen in the request log, not once per request here.
    if (!isDatabaseUnavailable(error)) log.error({ err: error }, 'oidc-provider server error');
  });
  countIssuedTokens(provider, platform.config.metricsTenantLabels ? tenant.id : undefined);
  return provider;
}

type RegisterGrantTypeOptions = Parameters<Provider['registerGrantType']> extends [unknown, unknown, ...infer Rest] ? Rest : never;

/**
 * oidc-provider registers its own grant handlers while it is constructed, through the public
 * `registerGrantType`, and offers no other way to run a step before one. This subclass takes
 * them as they come: the device_code grant's handler is wrapped to answer `slow_down` to a device
 * that polls too fast (device-flow.ts). The wrapper reads the database only when a poll comes,
 * long after the constructor has set it.
 */
class TenantProvider extends Provider {
  #db: TenantDb | undefined;

  constructor(issuer: string, configuration: Configuration, db: TenantDb) {
    super(issuer, configuration);
    this.#db = db;
  }

  override registerGrantType<Params extends object>(
    name: string,
    handler: (ctx: TokenEndpointGrantContext<Params>) => CanBePromise<void>,
    ...rest: RegisterGrantTypeOptions
  ): void {
    const paced = name === DEVICE_CODE_GRANT ? (paceDevicePolls(() => this.#database(), handler as never) as typeof handler) : handler;
    super.registerGrantType(name, paced, ...rest);
  }

  #database(): TenantDb {
    if (!this.#db) throw new Error('the tenant provider has no database yet');
    return this.#db;
  }
}

type KoaPrototypes = Pick<Provider, 'context' | 'request' | 'response'>;
let koaPrototypes: KoaPrototypes | undefined;

/**
 * Koa gives every application its own prototypes for `ctx`, `ctx.request` and `ctx.response`, so
 * a thousand tenant providers would make a thousand shapes of the same objects and every
 * middleware's property reads would go megamorphic. Neither Koa nor oidc-provider put anything
 * on those prototypes per application (per-tenant state hangs off `ctx.app`), so every provider
 * of the process shares the first one's.
 */
function shareKoaPrototypes(provider: Provider): void {
  koaPrototypes ??= { context: provider.context, request: provider.request, response: provider.response };
  Object.assign(provider, koaPrototypes);
}

/** Enough for any real tenant; unknown ids are not kept, so probing cannot fill it. */
const MAX_KEPT_CLIENTS = 500;

/**
 * oidc-provider's `Client.find` reads the client's metadata from the adapter on every call, then
 * serialises and hashes it to find the instance it built before. Our clients cannot change under
 * a provider (a change builds a new one, see tenant-catalog.ts), so the instance found first is
 * kept by id for the provider's life; concurrent first lookups share one read.
 */
function keepClientInstances(provider: Provider): void {
  const { Client } = provider;
  const find = Client.find.bind(Client);
  const kept = new Map<string, ReturnType<typeof find>>();
  Client.find = (id: string) => {
    const known = kept.get(id);
    if (known) return known;
    const finding = find(id);
    if (typeof id !== 'string' || kept.size >= MAX_KEPT_CLIENTS) return finding;
    kept.set(id, finding);
    finding.then(
      (client) => {
        if (!client) kept.delete(id);
      },
      () => kept.delete(id),
    );
    return finding;
  };
}

type SecretHolder = { clientSecret?: unknown; [PREVIOUS_SECRET]?: unknown; [PREVIOUS_SECRET_EXPIRES_AT]?: unknown };

/**
 * The stored `client_secret` is a SHA-256 of the real one (see client-metadata.ts). After a
 * rotation the previous one is accepted too until its grace period ends; the end is compared at
 * each use, because the provider keeps the client instance (keepClientInstances) past it.
 */
function useHashedClientSecrets(provider: Provider): void {
  provider.Client.prototype.compareClientSecret = function compareHashed(this: SecretHolder, actual: string) {
    if (typeof actual !== 'string') return false;
    const current = typeof this.clientSecret === 'string' && clientSecretMatches(this.clientSecret, actual);
    const previous = this[PREVIOUS_SECRET];
    const until = this[PREVIOUS_SECRET_EXPIRES_AT];
    const previousValid = typeof previous === 'string' && typeof until === 'number' && Date.now() < until * 1000;
    // Both compared whenever there is a previous one, so the time taken does not tell which matched.
    return (previousValid && clientSecretMatches(previous, actual)) || current;
  };
}

type IdTokenPayload = () => Promise<Record<string, unknown>>;

/**
 * An upstream sign-in's connection rides in the session's `amr` (sessionAmr in sign-in.ts), the
 * one thing oidc-provider carries from a sign-in into every ID token, from a code, a refresh token
 * or the authorization endpoint alike. Each ID token's claims are final in `IdToken#payload`,
 * just before signing: the entry is moved out of `amr` into `idp` there, one place for every way
 * an ID token is made. Each provider has its own IdToken class, so this touches only this tenant's.
 */
function claimUpstreamProvider(provider: Provider): void {
  const prototype = provider.IdToken.prototype as unknown as { payload: IdTokenPayload };
  const payload = prototype.payload;
  prototype.payload = async function payloadWithIdp(this: unknown) {
    return upstreamClaims(await payload.call(this));
  };
}
