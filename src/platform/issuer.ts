import type { Platform } from './platform.ts';
import type { IssuerForm } from '../db/schema.ts';

/**
 * A tenant has exactly one issuer (docs/architecture.md#tenant-hosts):
 *
 * - path form (the default): `<PUBLIC_URL>/t/<id>`;
 * - subdomain form: `<id>.<BASE_DOMAIN>`;
 * - a verified custom domain it activated: `<domain>`.
 *
 * A host-form issuer keeps the public URL's scheme and port and has no path: behind the usual
 * TLS proxy `https://acme.id.example.com`, on a development machine `http://acme.localhost:8080`.
 */

/** What the registry row says about a tenant's issuer. */
export interface IssuerChoice {
  id: string;
  issuer_form: IssuerForm;
  issuer_domain: string | null;
}

/** The host a tenant's issuer lives on, or undefined for the path form (or a subdomain form without BASE_DOMAIN). */
export function issuerHostOf(baseDomain: string | undefined, choice: IssuerChoice): string | undefined {
  if (choice.issuer_domain) return choice.issuer_domain;
  if (choice.issuer_form === 'subdomain' && baseDomain) return `${choice.id}.${baseDomain}`;
  return undefined;
}

/** The issuer of a tenant on `host`, or in the path form when there is none. */
export function issuerOf(platform: Pick<Platform, 'publicUrl'>, tenantId: string, host?: string): string {
  if (!host) return `${platform.publicUrl}/t/${tenantId}`;
  const url = new URL(platform.publicUrl);
  url.hostname = host;
  return url.origin;
}

/** The tenant's issuer from its registry row. */
export function tenantIssuer(platform: { publicUrl: string; config: { baseDomain: string | undefined } }, choice: IssuerChoice): string {
  return issuerOf(platform, choice.id, issuerHostOf(platform.config.baseDomain, choice));
}

/**
 * The issuer's path without a trailing slash: `/t/<id>`, or `` for a host-form issuer. Pages,
 * cookies and form actions start from it; `new URL(issuer).pathname` would give `/` on a host,
 * and `/` + `/interaction/…` is `//interaction/…`, a URL on another host.
 */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}
