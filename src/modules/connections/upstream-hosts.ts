import dns from 'node:dns/promises';
import net from 'node:net';
import { AppError } from '../../errors.ts';

/**
 * The SSRF guard of upstream connections: a URL an admin gives (discovery, token, userinfo, the
 * key set a discovery document names) is fetched by this server, so an admin of one tenant could
 * otherwise make it call the platform's own network: its database, a cloud metadata endpoint, an
 * internal admin port. Unless the platform allows it (`CONNECTIONS_ALLOW_PRIVATE_HOSTS`, for
 * development and for providers on a private network), a host that is or resolves to a loopback,
 * private, link-local, shared, multicast or otherwise special address is refused: when the
 * connection is added or changed, and again before every request (a name can resolve elsewhere
 * later). Between that check and the connection a name could still change its answer (DNS
 * rebinding within a short TTL); the check narrows the window, it does not close it.
 */

// Two lists: Node's BlockList matches an IPv4 address against IPv4-mapped IPv6 rules too, so a
// mapped-address rule would block every IPv4 address.
const blocked = new net.BlockList();
const blocked6 = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked6.addSubnet(prefix, bits, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked6.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

const refused = (what: string, host: string) =>
  new AppError('private_host_refused', `${what} points at ${host}, a loopback, private or link-local address; this server does not call such hosts (CONNECTIONS_ALLOW_PRIVATE_HOSTS)`);

/** The URL's host is a public address, or a name all of whose addresses are public. */
export async function assertPublicHost(url: string | URL, what: string): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) throw refused(what, host);
  if (net.isIP(host)) {
    if (isPrivateAddress(host)) throw refused(what, host);
    return;
  }
  let addresses: { address: string }[];
  try {
    addresses = await dns.lookup(host, { all: true, verbatim: true });
  } catch {
    // A name that does not resolve now is not refused for that: the fetch will fail on its own.
    return;
  }
  const inside = addresses.find((entry) => isPrivateAddress(entry.address));
  if (inside) throw refused(what, `${host} (${inside.address})`);
}

/**
 * A fetch that checks the host first: given to openid-client (its customFetch), so discovery,
 * the key set, the token and user endpoints are all checked on every request.
 */
export function guardedFetch(allowPrivateHosts: boolean): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!allowPrivateHosts) await assertPublicHost(url, 'the provider URL');
    return fetch(input, init);
  };
}
