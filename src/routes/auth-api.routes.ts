import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { resolveTenant } from '../tenancy/tenancy.plugin.ts';
import { signUp } from '../modules/users/signup.service.ts';
import { loginKeysFor } from '../modules/users/login-keys.ts';
import { accountMail } from '../modules/users/account-mail.ts';
import { signupActor } from '../platform/tenant-scope.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../crypto/passwords.ts';
import { TenantParams, errorResponses } from './schemas.ts';
import { apiBudgets, enforceRateLimits } from './rate-limits.ts';

/**
 * The shape of a signup; what the values must be (an email address, a strong enough password, a
 * printable name) is judged by signup.service.ts, with its own codes (`invalid_email`, …).
 */
const signupSchema = {
  params: TenantParams,
  body: Type.Object(
    {
      email: Type.String({ description: 'the address to sign in with' }),
      password: Type.String({ description: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, not the email address` }),
      name: Type.Optional(Type.String({ description: 'display name' })),
      invitation: Type.Optional(Type.String({ description: 'the invitation token (needed when the tenant signs up by invitation)' })),
    },
    { additionalProperties: false },
  ),
  response: {
    202: Type.Object(
      { status: Type.Literal('accepted'), message: Type.String() },
      { additionalProperties: false, description: 'the same answer whether or not the address already had an account' },
    ),
    ...errorResponses({
      400: 'invalid_request, invalid_email, weak_password, invalid_name, invitation_required or invalid_invitation',
      403: 'signup_disabled, or tenant_suspended',
      404: 'tenant_not_found',
      429: "throttled, or rate_limited: the tenant's API budget is spent (with Retry-After and RateLimit-*)",
      503: 'tenant_unavailable or temporarily_unavailable (with Retry-After)',
    }),
  },
};

/**
 * The tenant's self-service API for first-party apps, `/t/<id>/api/auth/…`. These static paths
 * win over the provider's `/t/:tenant/*` catch-all in Fastify's router; the scope keeps Fastify's
 * JSON parser (the provider's scope removes it for its own routes only).
 */
export async function authApiRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (parent) => {
    const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.post('/t/:tenant/api/auth/signup', { bodyLimit: 8 * 1024, schema: signupSchema }, async (request, reply) => {
      const tenant = await resolveTenant(app, request, reply);
      enforceRateLimits(app.rateLimiter, apiBudgets(tenant), reply.raw);
      const { email, password, name, invitation } = request.body;
      const mail = accountMail(app.platform, { id: tenant.id, displayName: tenant.row.display_name });
      await signUp(tenant.scope, { email, password, name, invitation, loginKeys: loginKeysFor(app.platform.config, tenant.id), mail }, signupActor(request.ip));
      // The same answer whether or not the address already had an account (see signup.service.ts).
      return reply.status(202).send({ status: 'accepted', message: 'If the address can be used, its account is ready: sign in with it.' });
    });
  });
}
