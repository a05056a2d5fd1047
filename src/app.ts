import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { Platform } from './platform/platform.ts';
import { errorAnswerOf, sendErrorAnswer } from './routes/error-answer.ts';
import { validationFailure } from './routes/validation-errors.ts';
import { tenancyPlugin } from './tenancy/tenancy.plugin.ts';
import { TenantHosts } from './tenancy/tenant-hosts.ts';
import { compileProxyTrust } from './http/trusted-proxies.ts';
import { opsPlugin } from './routes/ops/ops.plugin.ts';
import { requestLogPlugin } from './routes/request-log.ts';
import { rateLimitsPlugin } from './routes/rate-limits.ts';
import { oidcRoutes } from './routes/oidc.routes.ts';
import { interactionRoutes } from './routes/interactions/interaction.routes.ts';
import { authApiRoutes } from './routes/auth-api.routes.ts';
import { brandingRoutes } from './routes/branding.routes.ts';
import { pageContextPlugin } from './routes/page-context.plugin.ts';
import { tenantAdminApi } from './routes/tenant-admin/tenant-admin.openapi.ts';
import { platformAdminApi } from './routes/admin/platform-admin.openapi.ts';
import { accountRoutes } from './routes/account/account.routes.ts';
import { tlsAskRoutes } from './routes/tls-ask.routes.ts';
import { tenantApiCors } from './routes/tenant-api-cors.ts';
import { CONSOLE_ASSETS_PATH, consoleRoutes } from './routes/console/console.routes.ts';
import { connectionCallbackRoutes } from './routes/connections/callback.routes.ts';
import { samlRoutes } from './routes/connections/saml.routes.ts';
import { startKeyRotationSchedule } from './jobs/key-rotation.schedule.ts';
import { startMailSender } from './jobs/mail-sender.ts';

export interface AppOptions {
  platform: Platform;
}

/**
 * A Fastify instance with the service's error answers (error-answer.ts): `{error, error_description}`
 * with a stable code, or an HTML page for a browser; 5xx details hidden. Every listener of a node
 * starts from one.
 */
export function createFastify(platform: Platform, options: { routeByHost?: TenantHosts } = {}): FastifyInstance {
  const { config } = platform;
  const { routeByHost } = options;
  const app = Fastify({
    loggerInstance: platform.log as FastifyBaseLogger,
    trustProxy: compileProxyTrust(config.trustedProxies) ?? false,
    // Before routing: a request for a tenant's host (or from a proxy naming the tenant) is routed
    // as `/t/<id>/…`, so every tenant route serves every way in (tenancy/tenant-hosts.ts).
    ...(routeByHost && { rewriteUrl: (req: IncomingMessage) => routeByHost.rewrite(req) }),
    bodyLimit: 64 * 1024,
    forceCloseConnections: 'idle',
    // One line per finished request instead of two, probes at debug (ops/request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    // A malformed URL (bad percent-encoding) is answered like every other error, not with Fastify's own JSON.
    frameworkErrors: (error, request, reply) => sendErrorAnswer(request, reply, errorAnswerOf(error, request)),
    // Route schemas (routes/schemas.ts) refuse bad input before a handler runs, in words naming the field.
    schemaErrorFormatter: validationFailure,
  });
  app.decorate('platform', platform);
  // TypeBox checks bodies as sent (no coercion, no stripping) and converts only path and query
  // strings to the declared types (`?limit=10` → 10).
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  app.setErrorHandler((thrown: FastifyError, request, reply) => sendErrorAnswer(request, reply, errorAnswerOf(thrown, request)));
  app.setNotFoundHandler((request, reply) =>
    sendErrorAnswer(request, reply, { status: 404, code: 'not_found', description: `no route for ${request.method} ${request.url.split('?')[0]}` }),
  );
  return app;
}

/**
 * The whole public HTTP service; `main.ts` listens with it (`listen` in listeners.ts, which also
 * starts the METRICS_PORT and ADMIN_PORT listeners) and the tests inject into it.
 */
export async function buildApp({ platform }: AppOptions): Promise<FastifyInstance> {
  const { config } = platform;
  // The console's assets are the platform's, the same on every host: a tenant's host does not route them to the tenant.
  const hosts = new TenantHosts(platform, { platformPaths: [`${CONSOLE_ASSETS_PATH}/`] });
  await hosts.refresh();
  const app = createFastify(platform, { routeByHost: hosts });

  // First: every later hook, route and error page runs inside the request's page context.
  await app.register(pageContextPlugin);
  await app.register(cookie);
  await app.register(tenancyPlugin, { platform, hosts });
  // Before the routes: its request hook must see every route, the hijacked provider ones included.
  await app.register(opsPlugin, { platform });
  await app.register(requestLogPlugin);
  await app.register(rateLimitsPlugin, { platform });
  // Before the routes too: a preflight for a tenant's JSON API is answered before any of them.
  await app.register(tenantApiCors);
  await app.register(oidcRoutes);
  await app.register(interactionRoutes);
  await app.register(authApiRoutes);
  await app.register(accountRoutes);
  await app.register(brandingRoutes);
  await app.register(tlsAskRoutes);
  await app.register(consoleRoutes);
  await app.register(connectionCallbackRoutes);
  await app.register(samlRoutes);
  // Each admin API with its OpenAPI document and reference page (routes/openapi/).
  await app.register(tenantAdminApi);
  // With ADMIN_PORT the operator's API is reachable only on that port (a network boundary of its own).
  if (config.adminPort === undefined) await app.register(platformAdminApi);

  // Every node takes its share of the key-rotation sweep (jobs/key-rotation.schedule.ts).
  const schedule = config.keyRotationCheckSeconds > 0 ? startKeyRotationSchedule(platform, config.keyRotationCheckSeconds) : undefined;
  // And sends its share of the tenants' outboxes (jobs/mail-sender.ts).
  const mailSender = config.mailSendIntervalSeconds > 0 ? startMailSender(platform, { intervalSeconds: config.mailSendIntervalSeconds }) : undefined;
  app.addHook('onClose', async () => {
    await Promise.all([schedule?.stop(), mailSender?.stop()]);
  });

  return app;
}
