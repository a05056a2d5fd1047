import type { FastifyInstance } from 'fastify';
import { resolveTenant } from '../tenancy/tenancy.plugin.ts';
import { invalidRequest } from '../errors.ts';
import { signUp } from '../modules/users/signup.service.ts';
import { loginKeysFor } from '../modules/users/login-keys.ts';
import { signupActor } from '../platform/tenant-scope.ts';

/**
 * The tenant's self-service API for first-party apps, `/t/<id>/api/auth/…`. These static paths
 * win over the provider's `/t/:tenant/*` catch-all in Fastify's router; the scope keeps Fastify's
 * JSON parser (the provider's scope removes it for its own routes only).
 */
export async function authApiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.post('/t/:tenant/api/auth/signup', { bodyLimit: 8 * 1024 }, async (request, reply) => {
      const tenant = await resolveTenant(app, request, reply);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('the body must be a JSON object');
      const { email, password, name, invitation } = body as Record<string, unknown>;
      await signUp(tenant.scope, { email, password, name, invitation, loginKeys: loginKeysFor(app.platform.config, tenant.id) }, signupActor(request.ip));
      // The same answer whether or not the address already had an account (see signup.service.ts).
      return reply.status(202).send({ status: 'accepted', message: 'If the address can be used, its account is ready: sign in with it.' });
    });
  });
}
