import type { FastifyInstance } from 'fastify';
import { createFastify } from './app.ts';
import { registerMetricsRoute } from './routes/ops/metrics.routes.ts';
import { platformAdminApi } from './routes/admin/platform-admin.openapi.ts';

/**
 * The listeners of one node: the public app on PORT, and when configured `/metrics` alone on
 * METRICS_PORT and the platform admin API alone on ADMIN_PORT, so each can sit behind its own
 * network boundary instead of sharing the public port. All of them close with the public app.
 */
export async function listen(app: FastifyInstance): Promise<void> {
  const { platform } = app;
  const { config } = platform;
  const sides: { port: number; app: FastifyInstance }[] = [];
  if (config.metricsPort !== undefined) {
    const metrics = createFastify(platform);
    registerMetricsRoute(metrics, config);
    sides.push({ port: config.metricsPort, app: metrics });
  }
  if (config.adminPort !== undefined) {
    const admin = createFastify(platform);
    // The admin tenant's tokens are checked against its context in the public app's tenant cache.
    admin.decorate('tenants', app.tenants);
    await admin.register(platformAdminApi);
    sides.push({ port: config.adminPort, app: admin });
  }
  app.addHook('onClose', async () => {
    await Promise.all(sides.map((side) => side.app.close()));
  });
  await app.listen({ host: config.host, port: config.port });
  for (const side of sides) await side.app.listen({ host: config.host, port: side.port });
}
