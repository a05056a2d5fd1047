import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { mayHaveCertificate } from '../modules/domains/certificate-hosts.ts';
import { errorResponses } from './schemas.ts';

/**
 * `GET /.well-known/tansu/ask?domain=<name>`: Caddy's on-demand TLS asks before it requests a
 * certificate, and goes ahead only on 200 (modules/domains/certificate-hosts.ts says for which
 * names). Caddy calls it on a node's own address, which names no tenant, so it is not rewritten.
 */
export async function tlsAskRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/.well-known/tansu/ask',
    {
      schema: {
        querystring: Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253, description: 'the name a certificate is wanted for' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ domain: Type.String() }, { additionalProperties: false, description: 'a tenant is served on this name: a certificate may be requested' }),
          ...errorResponses({ 400: 'invalid_request: no domain', 404: 'unknown_domain: no tenant is served on this name' }),
        },
      },
    },
    async (request, reply) => {
      const { domain } = request.query;
      if (await mayHaveCertificate(app.platform, domain)) return { domain };
      reply.header('cache-control', 'no-store');
      return reply.status(404).send({ error: 'unknown_domain', error_description: `no tenant is served on ${domain.slice(0, 253)}` });
    },
  );
}
