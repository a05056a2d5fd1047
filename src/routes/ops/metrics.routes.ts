import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import { metricsRegistry } from '../../ops/metrics.ts';
import { nodeMetrics } from '../../ops/cluster-metrics.ts';
import { errorResponses } from '../schemas.ts';

const metricsSchema = {
  response: {
    200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: Type.String() } } },
    ...errorResponses({ 401: 'METRICS_TOKEN is set and the request does not carry it (`unauthorized`)' }),
  },
};

/** `GET /metrics`, behind `Authorization: Bearer <METRICS_TOKEN>` when that is set. */
export function registerMetricsRoute(app: FastifyInstance, config: Pick<Config, 'metricsToken'>): void {
  const { metricsToken } = config;
  app.get('/metrics', { schema: metricsSchema }, async (request, reply) => {
    if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', error_description: 'a valid metrics token is required' });
    }
    reply.header('content-type', metricsRegistry.contentType);
    return nodeMetrics();
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
  return crypto.timingSafeEqual(digest(presented), digest(token));
}
