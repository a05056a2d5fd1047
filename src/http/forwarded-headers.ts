import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { CLIENT_IP } from './client-ip.ts';

/** Every header through which a peer could tell Koa another client address, host or scheme. */
const FORWARDED_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix'];

/**
 * Rewrites the forwarded headers of a request before oidc-provider sees it. The providers run
 * with Koa's `proxy = true`, under which Koa believes X-Forwarded-* from any peer; Fastify
 * believes them only from TRUSTED_PROXIES. So the peer's headers are replaced with one value
 * each of what Fastify resolved: an untrusted peer's claims vanish, a trusted proxy's survive,
 * and both libraries agree on the client address, host and scheme.
 *
 * The scheme is https whenever the tenant's issuer is (under PUBLIC_URL, or on the tenant's
 * host with PUBLIC_URL's scheme): the browser reached us through it whatever hop terminated TLS,
 * and the provider's cookies (session, interaction) are Secure exactly when Koa says the request is.
 */
export function presentRequestToProvider(request: FastifyRequest, issuer: string): void {
  const protocol = issuer.startsWith('https:') ? 'https' : request.protocol;
  const { host, ip } = request;
  const raw = request.raw as IncomingMessage & { [CLIENT_IP]?: string };
  for (const name of FORWARDED_HEADERS) delete raw.headers[name];
  raw.headers['x-forwarded-proto'] = protocol;
  if (host) raw.headers['x-forwarded-host'] = host;
  if (ip) raw.headers['x-forwarded-for'] = ip;
  raw[CLIENT_IP] = ip;
}
