import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { hostnameOf, isDnsName } from '../../http/host-names.ts';

/**
 * A custom domain a tenant may claim: a DNS name of the tenant's own (`auth.acme.com`), never one
 * of the platform's: not the public URL's host, not BASE_DOMAIN or a name under it (those are
 * tenants' subdomains already), not `localhost`. Internationalised names come in their ASCII
 * (`xn--…`) form, as DNS and the Host header carry them.
 */
export function parseCustomDomain(raw: unknown, config: Pick<Config, 'publicUrl' | 'baseDomain'>): string {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/\.$/, '') : '';
  if (!isDnsName(text)) {
    throw new AppError('invalid_domain', `"${printable(text)}" is not a domain name: use letters, digits, hyphens and dots, e.g. auth.example.com (no scheme, port or path)`);
  }
  const publicHost = hostnameOf(new URL(config.publicUrl).host);
  const base = config.baseDomain;
  const platformOwned =
    text === publicHost || text === 'localhost' || text.endsWith('.localhost') || (base !== undefined && (text === base || text.endsWith(`.${base}`)));
  if (platformOwned) {
    throw new AppError('invalid_domain', `${text} is one of the platform's own names; a custom domain is a name the tenant owns`);
  }
  return text;
}

function printable(input: string): string {
  const clipped = input.length > 64 ? `${input.slice(0, 64)}…` : input;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}
