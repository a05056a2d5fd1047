import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import { findConnectionByName } from '../../modules/connections/connections.repository.ts';
import { connectionOf } from '../../modules/connections/connection.ts';
import { samlSpMetadata } from '../../modules/connections/saml-entities.ts';
import { answerSamlResponse } from '../../modules/connections/saml-sign-in.service.ts';
import { UpstreamRefused } from '../../modules/connections/upstream-refusal.ts';
import { notFound } from '../../errors.ts';
import { interactionPath } from '../../oidc/configuration.ts';
import { upstreamRefusedPage } from '../../oidc/pages/upstream.ts';
import { HtmlPage, TenantParams, pageOrError } from '../schemas.ts';
import { sendPage } from '../interactions/respond.ts';

const page = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

const SamlParams = Type.Object({ ...TenantParams.properties, connection: Type.String({ maxLength: 40, description: "the SAML connection's name" }) });

const metadataSchema = {
  params: SamlParams,
  response: {
    200: { description: "the service provider's SAML metadata for this connection", content: { 'application/samlmetadata+xml': { schema: Type.String() } } },
    404: pageOrError('tenant_not_found or connection_not_found (no SAML connection by that name)'),
  },
};

const acsSchema = {
  consumes: ['application/x-www-form-urlencoded'],
  params: SamlParams,
  body: Type.Object({ SAMLResponse: Type.Optional(Type.String()), RelayState: Type.Optional(Type.String()) }),
  response: {
    303: page('back into the interaction the AuthnRequest was sent from, to finish the sign-in'),
    400: page('refused: bad or missing signature, wrong audience or recipient, expired, replayed, or not an answer to a sign-in started here'),
    403: page('the connection is turned off, or the account cannot sign in this way'),
    404: pageOrError('tenant_not_found, or no such SAML connection'),
    502: page('the connection is not fully set up'),
  },
};

/** A SAMLResponse with its certificates and attributes outgrows the pages' 16 KiB forms. */
const ACS_BODY_LIMIT = 512 * 1024;

/**
 * A SAML connection's two public URLs (modules/connections/saml-*.ts), under the tenant:
 * `/t/<id>/connections/<name>/saml/metadata`, the service provider's metadata (its URL is the
 * entity ID), and `/t/<id>/connections/<name>/saml/acs`, the assertion consumer service the IdP
 * posts its answer to (HTTP-POST binding). Like the OpenID Connect callback, the ACS needs no
 * cookie (a cross-site post brings none): the assertion's InResponseTo finds the trip, and the
 * browser is sent on into that trip's interaction, whose cookie it must hold to finish.
 */
export async function samlRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: ACS_BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get('/t/:tenant/connections/:connection/saml/metadata', { schema: metadataSchema }, async (request, reply) => {
      const tenant = await resolveTenant(app, request, reply);
      const name = (request.params as { connection: string }).connection;
      const row = await findConnectionByName(tenant.db, name);
      const connection = row?.kind === 'saml' ? connectionOf(row) : undefined;
      if (!connection?.saml) throw notFound('connection', name.slice(0, 40));
      return reply.header('content-type', 'application/samlmetadata+xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(samlSpMetadata(tenant.scope, connection));
    });

    scope.post('/t/:tenant/connections/:connection/saml/acs', { schema: acsSchema }, async (request, reply) => {
      const tenant = await resolveTenant(app, request, reply);
      reply.header('cache-control', 'no-store');
      const name = (request.params as { connection: string }).connection;
      const body = (request.body ?? {}) as { SAMLResponse?: string };
      try {
        const result = await answerSamlResponse(tenant.scope, name, body.SAMLResponse, request.ip);
        return reply.redirect(`${interactionPath(tenant.issuer, result.interactionUid)}/upstream/${result.tripId}`, 303);
      } catch (error) {
        if (!(error instanceof UpstreamRefused)) throw error;
        request.log.info({ reason: error.reason, connection: name }, 'SAML sign-in refused');
        return sendPage(
          reply,
          error.status,
          upstreamRefusedPage({
            message: error.describe(error.providerName ?? 'The identity provider'),
            signInHref: error.interactionUid ? interactionPath(tenant.issuer, error.interactionUid) : undefined,
          }),
        );
      }
    });
  });
}
