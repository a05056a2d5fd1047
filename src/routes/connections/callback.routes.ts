import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import { answerUpstreamCallback } from '../../modules/connections/upstream-sign-in.service.ts';
import { UpstreamRefused } from '../../modules/connections/upstream-refusal.ts';
import { interactionPath } from '../../oidc/configuration.ts';
import { upstreamRefusedPage } from '../../oidc/pages/upstream.ts';
import { acceptForms } from '../form-body.ts';
import { HtmlPage, TenantParams, pageOrError } from '../schemas.ts';
import { sendPage } from '../interactions/respond.ts';

const page = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

const RESPONSES = {
  303: page('back into the interaction the trip started from, to finish the sign-in'),
  400: page('an answer this server is not waiting for (unknown, used or expired state), an RFC 9207 issuer mix-up, a nonce mismatch, or the provider refused'),
  403: page('the connection is turned off, or the account cannot sign in this way'),
  404: pageOrError('tenant_not_found, or the connection is gone'),
  502: page('the provider cannot be reached, refused the code, or its ID token failed verification'),
};

/** Whatever the provider sends back; each parameter is checked by the sign-in, not here. */
const Answer = Type.Record(Type.String(), Type.String());

const callbackQuerySchema = { params: TenantParams, querystring: Answer, response: RESPONSES };
const callbackFormSchema = { consumes: ['application/x-www-form-urlencoded'], params: TenantParams, body: Answer, response: RESPONSES };

/**
 * `/t/<id>/connections/callback`: the one redirect URI of all the tenant's upstream connections
 * (modules/connections/), answered as a query or, for `response_mode=form_post` (Apple), a form
 * post. No cookie is needed here, which a cross-site form post would not bring: the `state` finds
 * the trip, and the browser is sent on into the trip's interaction, whose cookie it must hold to
 * finish the sign-in (routes/interactions/upstream.ts).
 */
export async function connectionCallbackRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    acceptForms(scope);
    const answer = async (request: FastifyRequest, reply: FastifyReply, parameters: URLSearchParams) => {
      const tenant = await resolveTenant(app, request, reply);
      reply.header('cache-control', 'no-store');
      try {
        const result = await answerUpstreamCallback(tenant.scope, parameters, request.ip);
        return reply.redirect(`${interactionPath(tenant.issuer, result.interactionUid)}/upstream/${result.tripId}`, 303);
      } catch (error) {
        if (!(error instanceof UpstreamRefused)) throw error;
        request.log.info({ reason: error.reason, connection: error.providerName }, 'upstream sign-in refused');
        return sendPage(
          reply,
          error.status,
          upstreamRefusedPage({
            message: error.describe(error.providerName ?? 'The provider'),
            signInHref: error.interactionUid ? interactionPath(tenant.issuer, error.interactionUid) : undefined,
          }),
        );
      }
    };
    scope.get('/t/:tenant/connections/callback', { schema: callbackQuerySchema }, async (request, reply) =>
      answer(request, reply, new URL(request.url, 'http://callback.invalid').searchParams),
    );
    scope.post('/t/:tenant/connections/callback', { schema: callbackFormSchema }, async (request, reply) =>
      answer(request, reply, new URLSearchParams(request.body as Record<string, string>)),
    );
  });
}
