import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
  type ConnectionInput,
} from '../../modules/connections/connections.service.ts';
import { connectionView } from '../../modules/connections/connection-view.ts';
import type { Connection } from '../../modules/connections/connection.ts';
import { listUserIdentities, unlinkIdentity } from '../../modules/connections/identities.service.ts';
import {
  createConnectionSchema,
  deleteConnectionSchema,
  listConnectionsSchema,
  listIdentitiesSchema,
  showConnectionSchema,
  unlinkIdentitySchema,
  updateConnectionSchema,
} from './connections.schemas.ts';

const BASE = '/t/:tenant/admin/v1/connections';

type SettableBody = Static<typeof updateConnectionSchema.body>;

/** The API's snake_case properties as the service's input. */
function inputOf(body: SettableBody): ConnectionInput {
  return {
    displayName: body.display_name,
    issuer: body.issuer,
    authorizationEndpoint: body.authorization_endpoint,
    tokenEndpoint: body.token_endpoint,
    userinfoEndpoint: body.userinfo_endpoint,
    clientId: body.client_id,
    clientSecret: body.client_secret,
    privateKey: body.private_key,
    scopes: body.scopes,
    claimMapping: body.claim_mapping,
    tokenEndpointAuthMethod: body.token_endpoint_auth_method,
    responseMode: body.response_mode,
    trustEmail: body.trust_email,
    tenant: body.tenant,
    teamId: body.team_id,
    keyId: body.key_id,
    metadata: body.metadata,
    domains: body.domains,
    defaultRoles: body.default_roles,
    createUsers: body.create_users,
    enabled: body.enabled,
  };
}

/**
 * `/t/<id>/admin/v1/connections…` (connections:read / connections:write): the tenant's upstream
 * identity providers, through the same services as `tansu idp …`; and under `/users/<id>/identities`
 * (users:read / users:write) the provider accounts linked to a user.
 */
export function connectionRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const read = { preHandler: requireScope('connections:read') };
  const write = { preHandler: requireScope('connections:write') };
  const view = (request: FastifyRequest, connection: Connection) => connectionView(adminTenantOf(request).scope, connection);
  const matching = (request: FastifyRequest) => (current: Connection) => requireMatch(request, view(request, current));

  scope.get(BASE, { ...read, schema: listConnectionsSchema }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor } = request.query;
    const page = await listConnections(adminTenantOf(request).scope, { limit, cursor });
    return { items: page.items.map((connection) => view(request, connection)), next_cursor: page.next_cursor };
  });

  scope.post(BASE, { ...write, schema: createConnectionSchema }, async (request, reply) => {
    const { name, type, ...settable } = request.body;
    const connection = await createConnection(adminTenantOf(request).scope, { name, type, ...inputOf(settable) }, adminActorOf(request));
    return reply.status(201).send(withEtag(reply, view(request, connection)));
  });

  scope.get(`${BASE}/:connection_id`, { ...read, schema: showConnectionSchema }, async (request, reply) => {
    return withEtag(reply, view(request, await getConnection(adminTenantOf(request).scope, { id: request.params.connection_id })));
  });

  scope.patch(`${BASE}/:connection_id`, { ...write, schema: updateConnectionSchema }, async (request, reply) => {
    const connection = await updateConnection(
      adminTenantOf(request).scope,
      { id: request.params.connection_id },
      inputOf(request.body),
      adminActorOf(request),
      matching(request),
    );
    return withEtag(reply, view(request, connection));
  });

  scope.delete(`${BASE}/:connection_id`, { ...write, schema: deleteConnectionSchema }, async (request, reply) => {
    await deleteConnection(adminTenantOf(request).scope, { id: request.params.connection_id }, adminActorOf(request), matching(request));
    return reply.status(204).send(null);
  });

  scope.get('/t/:tenant/admin/v1/users/:user_id/identities', { preHandler: requireScope('users:read'), schema: listIdentitiesSchema }, async (request) => {
    return { items: await listUserIdentities(adminTenantOf(request).scope, request.params.user_id) };
  });

  scope.delete(
    '/t/:tenant/admin/v1/users/:user_id/identities/:identity_id',
    { preHandler: requireScope('users:write'), schema: unlinkIdentitySchema },
    async (request, reply) => {
      const { user_id: userId, identity_id: identityId } = request.params;
      await unlinkIdentity(adminTenantOf(request).scope, { userId, identityId }, adminActorOf(request));
      return reply.status(204).send(null);
    },
  );
}
