import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listUserFactors, resetUserFactors } from '../../modules/mfa/factors.service.ts';
import { errorResponses } from '../schemas.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { ADMIN_ERRORS } from './admin-schemas.ts';
import { UserParams } from './users.schemas.ts';

const tags = ['users'];
const nullableTimestamp = (description: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

/** modules/mfa/factors.service.ts's FactorView: never a secret. */
const Factor = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('totp'), Type.Literal('webauthn')], { description: 'totp: an authenticator app; webauthn: a passkey (device-bound or synced)' }),
    label: Type.String(),
    confirmed_at: nullableTimestamp('null while a setup waits for its first code (such a factor is never asked for)'),
    last_used_at: nullableTimestamp('the last sign-in it passed'),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const listSchema = {
  tags,
  summary: "A user's second factors and how many recovery codes they have left (never a secret)",
  params: UserParams,
  response: {
    200: Type.Object({ user_id: Type.String(), factors: Type.Array(Factor), recovery_codes_left: Type.Integer() }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found (or tenant_not_found)' }),
  },
};

const resetSchema = {
  tags,
  summary: "Reset a user's second factors (a lost phone): every factor and recovery code goes, remembered browsers are forgotten; audited",
  params: UserParams,
  response: {
    200: Type.Object(
      { user_id: Type.String(), factors_removed: Type.Integer(), recovery_codes_removed: Type.Integer() },
      { additionalProperties: false, description: 'what was removed; where the policy requires a factor, the user sets up a new one at the next sign-in' },
    ),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found (or tenant_not_found)' }),
  },
};

/** `/t/<id>/admin/v1/users/<user_id>/factors`: the same services as `tansu user factors` and `tansu user reset-mfa`. */
export function userFactorsRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/t/:tenant/admin/v1/users/:user_id/factors', { preHandler: requireScope('users:read'), schema: listSchema }, async (request) => {
    return listUserFactors(adminTenantOf(request).scope, request.params.user_id);
  });

  scope.delete('/t/:tenant/admin/v1/users/:user_id/factors', { preHandler: requireScope('users:write'), schema: resetSchema }, async (request) => {
    return resetUserFactors(adminTenantOf(request).scope, { userId: request.params.user_id }, adminActorOf(request));
  });
}
