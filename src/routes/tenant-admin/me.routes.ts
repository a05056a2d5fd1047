import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { adminCallerOf } from './auth.ts';
import { TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS } from './admin-schemas.ts';

const meSchema = {
  summary: 'Who the token stands for, and what it may do',
  params: TenantParams,
  response: {
    200: Type.Object(
      {
        subject: Type.String({ description: "the token's sub: a user id, or the machine client's id" }),
        type: Type.Union([Type.Literal('user'), Type.Literal('client')]),
        scopes: Type.Array(Type.String(), { description: 'the admin scopes the token carries' }),
        client_id: Type.String({ description: 'the client the token was issued to' }),
      },
      { additionalProperties: false },
    ),
    ...errorResponses(ADMIN_ERRORS),
  },
};

/** `GET /t/<id>/admin/v1/me`: who the token stands for, and what it may do. Needs no particular scope. */
export function meRoutes(scope: FastifyInstance): void {
  scope.get('/t/:tenant/admin/v1/me', { schema: meSchema }, async (request) => {
    const caller = adminCallerOf(request);
    return { subject: caller.id, type: caller.type, scopes: [...caller.scopes].sort(), client_id: caller.clientId };
  });
}
