/**
 * Host names as tenancy compares them: lowercase, without port or trailing dot. One DNS name
 * rule serves BASE_DOMAIN (config.ts) and custom domains (modules/domains/domain-name.ts).
 */

/** At least two labels of letters, digits and inner hyphens, 63 characters a label, 253 in all. */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function isDnsName(name: string): boolean {
  return DNS_NAME.test(name) && !/^[0-9.]+$/.test(name);
}

/**
 * The host name of a `Host` (or `X-Forwarded-Host`) value: `Acme.Example.com.:443` →
 * `acme.example.com`. An IPv6 literal keeps its brackets. Undefined for an empty value.
 */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const first = hostHeader.split(',')[0]!.trim().toLowerCase();
  const name = first.startsWith('[') ? first.slice(0, first.indexOf(']') + 1) : first.replace(/:\d*$/, '');
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare || undefined;
}
