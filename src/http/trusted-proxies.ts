import proxyAddr from '@fastify/proxy-addr';

/** Whether a peer address is one of TRUSTED_PROXIES (`hop` 0 is the connecting peer). */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * TRUSTED_PROXIES compiled once, by the library Fastify itself uses for `trustProxy`; Fastify is
 * handed this very function, so its `X-Forwarded-*` handling and the tenant header
 * (tenancy/tenant-hosts.ts) trust exactly the same peers. Addresses, CIDR ranges and the names
 * `loopback`, `linklocal` and `uniquelocal` are understood.
 */
export function compileProxyTrust(trustedProxies: readonly string[]): ProxyTrust | undefined {
  return trustedProxies.length > 0 ? proxyAddr.compile([...trustedProxies]) : undefined;
}
