import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import { createApi, deleteTenantApi, findTenantApi, listTenantApis, updateApi } from '../../modules/apis/apis.service.ts';
import { apiView } from '../../modules/apis/api-view.ts';
import type { ApiRow } from '../../modules/apis/apis.repository.ts';
import { createApiSchema, deleteApiSchema, listApisSchema, showApiSchema, updateApiSchema } from './apis.schemas.ts';

const BASE = '/t/:tenant/admin/v1/apis';

/** If-Match against the API as the change found it, inside the change's transaction. */
const matching = (request: FastifyRequest) => (current: ApiRow) => requireMatch(request, apiView(current));

/**
 * `/t/<id>/admin/v1/apis…`: the tenant's APIs (resource servers), through the same services as
 * `tansu api …`. Paths name an API by its id: an identifier is a URI, awkward in a path. The
 * built-in admin API is no row and cannot be reached here.
 */
export function apiRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const read = { preHandler: requireScope('apis:read') };
  const write = { preHandler: requireScope('apis:write') };

  scope.get(BASE, { ...read, schema: listApisSchema }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor } = request.query;
    const page = await listTenantApis(adminTenantOf(request).scope, { limit, cursor });
    return { items: page.items.map(apiView), next_cursor: page.next_cursor };
  });

  scope.post(BASE, { ...write, schema: createApiSchema }, async (request, reply) => {
    const { identifier, name, scopes, access_token_ttl, is_default } = request.body;
    const api = await createApi(
      adminTenantOf(request).scope,
      { identifier, name, scopes, accessTokenTtl: access_token_ttl, isDefault: is_default },
      adminActorOf(request),
    );
    return reply.status(201).send(withEtag(reply, apiView(api)));
  });

  scope.get(`${BASE}/:api_id`, { ...read, schema: showApiSchema }, async (request, reply) => {
    return withEtag(reply, apiView(await findTenantApi(adminTenantOf(request).scope, { id: request.params.api_id })));
  });

  scope.patch(`${BASE}/:api_id`, { ...write, schema: updateApiSchema }, async (request, reply) => {
    const { name, scopes, access_token_ttl, is_default } = request.body;
    const api = await updateApi(
      adminTenantOf(request).scope,
      { id: request.params.api_id },
      { name, scopes, accessTokenTtl: access_token_ttl, isDefault: is_default },
      adminActorOf(request),
      matching(request),
    );
    return withEtag(reply, apiView(api));
  });

  scope.delete(`${BASE}/:api_id`, { ...write, schema: deleteApiSchema }, async (request, reply) => {
    await deleteTenantApi(adminTenantOf(request).scope, { id: request.params.api_id }, adminActorOf(request), matching(request));
    return reply.status(204).send(null);
  });
}
