import type { IncomingMessage } from 'node:http';
import type { Platform } from '../platform/platform.ts';
import { AppError, tenantNotFound } from '../errors.ts';
import { isTenantId } from '../platform/tenant-id.ts';
import { issuerHostOf, issuerOf } from '../platform/issuer.ts';
import { listDomainClaims, listHostIssuers } from '../platform/tenant-hosts.repository.ts';
import { hostnameOf } from '../http/host-names.ts';
import { compileProxyTrust, type ProxyTrust } from '../http/trusted-proxies.ts';
import { prefersHtml } from '../http/accept.ts';

/**
 * The one place a request is mapped to its tenant (docs/architecture.md#tenant-hosts). Three ways in:
 *
 * 1. `X-Tansu-Tenant: <id>` from a peer in TRUSTED_PROXIES (from any other peer: 400);
 * 2. the host: `<id>.<BASE_DOMAIN>`, or a custom domain that is its tenant's issuer (a claimed
 *    domain that is not active serves nothing);
 * 3. the path `/t/<id>/…` on any other host: what every tenant route is registered as.
 *
 * Ways 1 and 2 are rewritten to way 3 before Fastify routes the request (`rewriteUrl`), so every
 * route under `/t/:tenant` serves them all and no route knows how it was reached. That hook is
 * synchronous, so the names it needs live here in memory: every claimed custom domain and every
 * tenant whose issuer is on a host, a few rows per tenant that opted in, loaded at start and
 * again after each `domains` change and each reconnect of the change listener.
 *
 * A tenant has one issuer; a request that reached it another way is answered with that same
 * issuer in every document and token, and a browser's page request is redirected to the issuer,
 * so its cookies are always set on the issuer's host. Way 1 is the proxy's choice and never
 * redirected. A path request for a tenant whose issuer is in the path form, the default, is left
 * exactly as it was.
 */
export class TenantHosts {
  readonly #platform: Pick<Platform, 'db' | 'publicUrl' | 'config' | 'log'>;
  readonly #baseDomain: string | undefined;
  /** PUBLIC_URL's host: the platform's own, never a tenant's (even when it lies under BASE_DOMAIN). */
  readonly #publicHost: string | undefined;
  readonly #trust: ProxyTrust | undefined;
  /** Path prefixes the platform serves alike on every host (shared assets): never a tenant's path. */
  readonly #platformPaths: readonly string[];
  /** Tenant → the host of its issuer, for the tenants whose issuer is not in the path form. */
  #issuerHosts = new Map<string, string>();
  /** Active custom domain → its tenant. */
  #activeDomains = new Map<string, string>();
  /** Claimed custom domains that are no tenant's issuer (pending, or verified and not activated). */
  #inactiveDomains = new Set<string>();
  #loading: Promise<void> | undefined;
  #again = false;

  constructor(platform: Pick<Platform, 'db' | 'publicUrl' | 'config' | 'log'>, options: { platformPaths?: readonly string[] } = {}) {
    this.#platform = platform;
    this.#platformPaths = options.platformPaths ?? [];
    this.#baseDomain = platform.config.baseDomain;
    this.#publicHost = hostnameOf(new URL(platform.publicUrl).host);
    this.#trust = compileProxyTrust(platform.config.trustedProxies);
  }

  /**
   * Reloads the names from the registry; calls during a load share one more load after it, so
   * the last change is always seen. A failed load keeps the names held so far (and is logged):
   * the next change or reconnect loads again.
   */
  refresh(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false;
        await this.#load();
      } while (this.#again);
    };
    this.#loading = run().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  async #load(): Promise<void> {
    const [claims, issuers] = await Promise.all([listDomainClaims(this.#platform.db), listHostIssuers(this.#platform.db)]);
    const issuerHosts = new Map<string, string>();
    const activeDomains = new Map<string, string>();
    for (const row of issuers) {
      const host = issuerHostOf(this.#baseDomain, row);
      if (host) issuerHosts.set(row.id, host);
      if (row.issuer_domain) activeDomains.set(row.issuer_domain, row.id);
    }
    this.#issuerHosts = issuerHosts;
    this.#activeDomains = activeDomains;
    this.#inactiveDomains = new Set(claims.map((claim) => claim.domain).filter((domain) => !activeDomains.has(domain)));
  }

  /** Fastify's `rewriteUrl`: the URL to route; a refusal or redirect is left on the request for onRequest (takeHostDecision). */
  rewrite(req: IncomingMessage): string {
    const url = req.url ?? '/';
    // Fastify copies the URL to `originalUrl` before this hook; oidc-provider would take a mount
    // path from it. Without the hook there is none, so there is none with it either.
    delete (req as { originalUrl?: string }).originalUrl;
    // An absolute-form target (`GET http://elsewhere/x`) names no path of ours to rewrite or redirect.
    if (!url.startsWith('/')) return url;
    const named = req.headers['x-tansu-tenant'];
    if (named !== undefined) {
      if (!this.#trusts(req)) return decide(req, url, { refusal: untrustedTenantHeader() });
      const id = typeof named === 'string' ? named.trim() : '';
      if (!isTenantId(id)) return decide(req, url, { refusal: tenantNotFound(id.slice(0, 64)) });
      return this.#enter(req, stripTenantPrefix(url, id), id, undefined);
    }
    // Without BASE_DOMAIN and without any claimed domain no host names a tenant: nothing to parse.
    if (this.#baseDomain !== undefined || this.#activeDomains.size > 0 || this.#inactiveDomains.size > 0) {
      const forwarded = req.headers['x-forwarded-host'];
      const forwardedHost = forwarded !== undefined && this.#trusts(req) ? lastEntry(forwarded) : undefined;
      const host = hostnameOf(forwardedHost || req.headers.host);
      if (host !== undefined && host !== this.#publicHost) {
        const owner = this.#activeDomains.get(host);
        if (owner !== undefined) return this.#enter(req, url, owner, host);
        if (this.#inactiveDomains.has(host)) return decide(req, url, { refusal: domainNotActive(host) });
        const base = this.#baseDomain;
        if (base !== undefined && host.endsWith(`.${base}`)) {
          const label = host.slice(0, -(base.length + 1));
          if (!isTenantId(label)) return decide(req, url, { refusal: tenantNotFound(label.slice(0, 64)) });
          return this.#enter(req, url, label, host);
        }
      }
    }
    // The path way. Only a tenant whose issuer is on a host can make it differ from before.
    if (this.#issuerHosts.size > 0 && isPageRequest(req)) {
      const path = pathTenantOf(url);
      const issuerHost = path && this.#issuerHosts.get(path.id);
      if (path && issuerHost) decide(req, url, { redirect: this.#issuerUrl(path.id, issuerHost) + path.relative });
    }
    return url;
  }

  /** A request that named tenant `id` by header (`host` undefined) or host: routed under `/t/<id>`. */
  #enter(req: IncomingMessage, relative: string, id: string, host: string | undefined): string {
    if (this.#platformPaths.some((prefix) => relative.startsWith(prefix))) return relative;
    // Fastify sets the routed URL only once rewrite returns: req.url is still the one sent.
    (req as IncomingMessage & { [AS_SENT]?: string })[AS_SENT] = req.url;
    const issuerHost = this.#issuerHosts.get(id);
    if (host !== undefined && host !== issuerHost && isPageRequest(req)) {
      decide(req, relative, { redirect: this.#issuerUrl(id, issuerHost) + relative });
    }
    // RFC 8414 §3 on a host: the metadata of the issuer without a path is at the host's root.
    const [pathname, query] = splitQuery(relative);
    if (pathname === METADATA_PATH) return `${METADATA_PATH}/t/${id}${query}`;
    return `/t/${id}${relative}`;
  }

  /**
   * Whether the connecting peer is a trusted proxy. Asked only when a request carries a header
   * that needs it: matching an address against the list costs microseconds, not worth paying on
   * every request.
   */
  #trusts(req: IncomingMessage): boolean {
    const address = req.socket?.remoteAddress;
    return this.#trust !== undefined && address !== undefined && this.#trust(address, 0);
  }

  #issuerUrl(id: string, issuerHost: string | undefined): string {
    return issuerOf(this.#platform, id, issuerHost);
  }
}

const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** What rewrite decided beyond the URL, for the tenancy plugin's onRequest hook. */
export interface HostDecision {
  refusal?: AppError;
  redirect?: string;
}

const DECISION = Symbol('tansu.hostDecision');
const AS_SENT = Symbol('tansu.urlAsSent');

/**
 * The URL as the client sent it, before a host or header request was routed as `/t/<id>/…`: what
 * a redirect relative to the current page must start from (`request.url` is the routed one).
 */
export function urlAsSent(req: IncomingMessage): string {
  return (req as IncomingMessage & { [AS_SENT]?: string })[AS_SENT] ?? req.url ?? '/';
}

function decide(req: IncomingMessage, url: string, decision: HostDecision): string {
  (req as IncomingMessage & { [DECISION]?: HostDecision })[DECISION] = decision;
  return url;
}

export function takeHostDecision(req: IncomingMessage): HostDecision | undefined {
  return (req as IncomingMessage & { [DECISION]?: HostDecision })[DECISION];
}

export const untrustedTenantHeader = () =>
  new AppError('untrusted_tenant_header', 'X-Tansu-Tenant is honoured only from the proxies in TRUSTED_PROXIES', 400);

const domainNotActive = (host: string) =>
  new AppError('domain_not_active', `${host} is claimed by a tenant but not its active domain: it serves nothing until it is verified and activated`, 404);

/** A browser asking for a page: the only request worth redirecting (an API client keeps its answer and its Authorization header). */
function isPageRequest(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && prefersHtml(req.headers.accept);
}

/** The tenant a path names and the rest of the path after it: `/t/acme/auth?x` → acme, `/auth?x`. */
function pathTenantOf(url: string): { id: string; relative: string } | undefined {
  const metadata = /^\/\.well-known\/oauth-authorization-server\/t\/([^/?#]+)(\?.*)?$/.exec(url);
  if (metadata) return { id: metadata[1]!, relative: `${METADATA_PATH}${metadata[2] ?? ''}` };
  const match = /^\/t\/([^/?#]+)(.*)$/s.exec(url);
  if (!match) return undefined;
  const rest = match[2]!;
  return { id: match[1]!, relative: rest === '' || rest.startsWith('?') ? `/${rest}` : rest };
}

/** A proxy naming the tenant may also forward its path form: `/t/<id>/x` and `/x` are the same request. */
function stripTenantPrefix(url: string, id: string): string {
  const path = pathTenantOf(url);
  return path && path.id === id ? path.relative : url;
}

function splitQuery(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}

/** Fastify takes the last X-Forwarded-Host a trusted proxy sent; so does tenancy. */
function lastEntry(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  if (!joined) return undefined;
  return joined.slice(joined.lastIndexOf(',') + 1).trim() || undefined;
}
