import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import {
  createClient, deleteTenantClient, findTenantClient, grantClientApi, listClientStates, revokeClientApi, updateClient,
} from '../../modules/clients/clients.service.ts';
import { rotateClientSecret } from '../../modules/clients/secret-rotation.service.ts';
import { clientView, type ClientState } from '../../modules/clients/client-view.ts';
import type { ClientCheck } from '../../modules/clients/client-change.ts';
import {
  createClientSchema, deleteClientSchema, grantApiSchema, listClientsSchema, revokeApiSchema, rotateSecretSchema, showClientSchema, updateClientSchema,
} from './clients.schemas.ts';

const BASE = '/t/:tenant/admin/v1/clients';

/** If-Match against the client as the change found it, inside the change's transaction. */
const matching = (request: FastifyRequest): ClientCheck => (current: ClientState) => requireMatch(request, clientView(current));

/**
 * `/t/<id>/admin/v1/clients…`: the tenant's OAuth clients, through the same services as `tansu
 * client …`. A secret appears in the answer that creates or rotates it, never again.
 */
export function clientRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const read = { preHandler: requireScope('clients:read') };
  const write = { preHandler: requireScope('clients:write') };

  scope.get(BASE, { ...read, schema: listClientsSchema }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor } = request.query;
    const page = await listClientStates(adminTenantOf(request).scope, { limit, cursor });
    return { items: page.items.map(clientView), next_cursor: page.next_cursor };
  });

  scope.post(BASE, { ...write, schema: createClientSchema }, async (request, reply) => {
    const tenant = adminTenantOf(request).scope;
    const body = request.body;
    const created = await createClient(
      tenant,
      {
        name: body.name,
        type: body.type,
        redirectUris: body.redirect_uris,
        postLogoutRedirectUris: body.post_logout_redirect_uris,
        corsOrigins: body.cors_origins,
        grantTypes: body.grant_types,
        resources: body.resources,
        authMethod: body.token_endpoint_auth_method,
        jwks: body.jwks,
        firstParty: body.first_party,
        requirePushedAuthorizationRequests: body.require_pushed_authorization_requests,
        dpopBoundAccessTokens: body.dpop_bound_access_tokens,
      },
      adminActorOf(request),
    );
    const client = withEtag(reply, clientView(await findTenantClient(tenant, created.client.client_id)));
    return reply.status(201).send({ client, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}) });
  });

  scope.get(`${BASE}/:client_id`, { ...read, schema: showClientSchema }, async (request, reply) => {
    return withEtag(reply, clientView(await findTenantClient(adminTenantOf(request).scope, request.params.client_id)));
  });

  scope.patch(`${BASE}/:client_id`, { ...write, schema: updateClientSchema }, async (request, reply) => {
    const body = request.body;
    const updated = await updateClient(
      adminTenantOf(request).scope,
      request.params.client_id,
      {
        name: body.name,
        redirectUris: body.redirect_uris,
        postLogoutRedirectUris: body.post_logout_redirect_uris,
        corsOrigins: body.cors_origins,
        grantTypes: body.grant_types,
        resources: body.resources,
        firstParty: body.first_party,
        requirePushedAuthorizationRequests: body.require_pushed_authorization_requests,
        dpopBoundAccessTokens: body.dpop_bound_access_tokens,
      },
      adminActorOf(request),
      matching(request),
    );
    return withEtag(reply, clientView(updated));
  });

  scope.post(
    `${BASE}/:client_id/secret`,
    {
      ...write,
      schema: rotateSecretSchema,
      // The body may be left out: a rotation without a grace period.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const rotated = await rotateClientSecret(
        adminTenantOf(request).scope,
        request.params.client_id,
        { graceDays: request.body.grace_days },
        adminActorOf(request),
        matching(request),
      );
      return { client: withEtag(reply, clientView(rotated.client)), client_secret: rotated.clientSecret };
    },
  );

  scope.delete(`${BASE}/:client_id`, { ...write, schema: deleteClientSchema }, async (request, reply) => {
    await deleteTenantClient(adminTenantOf(request).scope, request.params.client_id, adminActorOf(request), matching(request));
    return reply.status(204).send(null);
  });

  scope.put(`${BASE}/:client_id/apis/:api_id`, { ...write, schema: grantApiSchema }, async (request) => {
    const { client_id: clientId, api_id: apiId } = request.params;
    const grant = await grantClientApi(adminTenantOf(request).scope, clientId, { id: apiId }, adminActorOf(request), matching(request));
    return { client_id: grant.client_id, api_id: apiId, api: grant.api, changed: grant.changed };
  });

  scope.delete(`${BASE}/:client_id/apis/:api_id`, { ...write, schema: revokeApiSchema }, async (request, reply) => {
    const { client_id: clientId, api_id: apiId } = request.params;
    await revokeClientApi(adminTenantOf(request).scope, clientId, { id: apiId }, adminActorOf(request), matching(request));
    return reply.status(204).send(null);
  });
}
