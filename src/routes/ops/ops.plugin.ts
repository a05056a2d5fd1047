import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Platform } from '../../platform/platform.ts';
import { httpRequestDuration, httpRequests, observeTenantCache } from '../../ops/metrics.ts';
import { registerMetricsRoute } from './metrics.routes.ts';
import { registerProbeRoutes } from './probes.routes.ts';

/** Provider endpoints by their first path segments, so the route label stays a short, fixed list. */
const PROVIDER_ROUTES = [
  '.well-known/openid-configuration', 'token/introspection', 'token/revocation', 'session/end', 'device/auth', 'backchannel',
  'request', 'token', 'auth', 'jwks', 'me', 'reg', 'device', 'interaction',
];

function routeLabel(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  if (!route) return 'unmatched';
  if (!route.endsWith('/*')) return route;
  const rest = ((request.params as Record<string, string | undefined>)['*'] ?? '').split('?')[0]!;
  const known = PROVIDER_ROUTES.find((p) => rest === p || rest.startsWith(`${p}/`));
  return `${route.slice(0, -1)}${known ?? 'other'}`;
}

/**
 * What operators and orchestrators need from every node: request metrics (counted on the raw
 * response, so hijacked provider requests are included), `/healthz`, `/readyz` and `/metrics` (unless it has its own port).
 */
export const opsPlugin = fp(async (app: FastifyInstance, options: { platform: Platform }) => {
  const { platform } = options;

  app.addHook('onRequest', async (request, reply) => {
    const started = performance.now();
    reply.raw.once('finish', () => {
      const route = routeLabel(request);
      httpRequests.inc({ method: request.method, route, status: String(reply.raw.statusCode) });
      httpRequestDuration.observe({ method: request.method, route }, (performance.now() - started) / 1000);
    });
  });

  // Graceful shutdown: Fastify stops accepting and waits for in-flight requests, but a keep-alive
  // connection that finishes its request afterwards would hold close() open until its timeout.
  let idleSweeper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    idleSweeper = setInterval(() => app.server.closeIdleConnections(), 100);
    idleSweeper.unref();
  });

  const stopObserving = observeTenantCache(app.tenants.stats);
  app.addHook('onClose', async () => {
    clearInterval(idleSweeper);
    stopObserving();
  });

  registerProbeRoutes(app, platform);

  // With METRICS_PORT the scrape goes to a listener of its own (see listeners.ts), never this one.
  if (platform.config.metricsPort === undefined) registerMetricsRoute(app, platform.config);
});
