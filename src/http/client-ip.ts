import type { IncomingMessage } from 'node:http';

/** Where the client address Fastify resolved (trusting only TRUSTED_PROXIES) travels into the provider. */
export const CLIENT_IP = Symbol('tansu.clientIp');

export function clientIpOf(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { [CLIENT_IP]?: string })[CLIENT_IP];
}
