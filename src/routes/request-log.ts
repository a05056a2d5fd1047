import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/**
 * Orchestrators and scrapers ask these every few seconds: at info they would bury the requests
 * that matter. They are still logged at debug.
 */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One line per request, when its response is finished (Fastify's own logging, switched off in
 * app.ts, writes two: "incoming request" and "request completed"). It listens on the raw response,
 * so requests hijacked by a tenant's provider are logged too.
 */
export const requestLogPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request, reply) => {
    const started = performance.now();
    // Taken now: a provider request's raw URL is rewritten to the provider's own path later.
    const req = { method: request.method, url: request.url, host: request.host, ip: request.ip, socket: request.socket };
    const level = PROBES.has(request.url.split('?')[0]!) ? 'debug' : 'info';
    reply.raw.once('finish', () => {
      const responseTime = Math.round((performance.now() - started) * 10) / 10;
      request.log[level]({ req, res: { statusCode: reply.raw.statusCode }, responseTime }, 'request completed');
    });
  });
});
