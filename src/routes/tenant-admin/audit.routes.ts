import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TLiteral } from 'typebox';
import { listAuditLog } from '../../modules/audit/audit.service.ts';
import { LOGIN_OUTCOMES, listLoginActivity } from '../../modules/users/login-activity.service.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { adminTenantOf, requireScope } from './auth.ts';
import { ADMIN_ERRORS, AdminPageQuery, DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import { NextCursor, TenantParams, errorResponses } from '../schemas.ts';

const tags = ['audit'];
const Timestamp = Type.String({ format: 'date-time' });
const LIST_ERRORS = { ...ADMIN_ERRORS, 400: 'invalid_request, invalid_filter (since not before until), invalid_cursor' };

const TimeRange = {
  since: Type.Optional(Type.String({ format: 'date-time', description: 'only what happened at or after this instant (ISO 8601)' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'only what happened before this instant (ISO 8601)' })),
};

const AuditEvent = Type.Object(
  {
    id: Type.String(),
    occurred_at: Timestamp,
    actor: Type.String({ description: '`user:<id>` or `client:<id>` for admin API callers; `cli`, `schedule`, `platform` or `signup` otherwise' }),
    action: Type.String({ examples: ['settings.updated'] }),
    target: Type.Union([Type.String(), Type.Null()], { description: 'what the action was done to: a user or client id, a key id, …' }),
    ip: Type.Union([Type.String(), Type.Null()], { description: 'where the request came from, when there was one' }),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'what changed: for admin changes `before` and `after`; never secrets' }),
  },
  { additionalProperties: false },
);

const auditEventsSchema = {
  summary: "The tenant's audit log, newest first: every admin change and what else the service records",
  tags,
  params: TenantParams,
  querystring: Type.Object(
    {
      action: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only this action, e.g. `signing_keys.rotated`' })),
      actor: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'only this actor, as the events name it' })),
      target: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'only events about this target' })),
      ...TimeRange,
      ...AdminPageQuery,
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ items: Type.Array(AuditEvent), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses(LIST_ERRORS),
  },
};

const Outcome = Type.Union(LOGIN_OUTCOMES.map((outcome) => Type.Literal(outcome)) as [TLiteral<(typeof LOGIN_OUTCOMES)[number]>], {
  description: 'how the attempt ended; `pending` while its password is checked',
});

const LoginAttempt = Type.Object(
  {
    id: Type.String(),
    occurred_at: Timestamp,
    user_id: Type.Union([Type.String(), Type.Null()], { description: 'the account, when the address typed in belongs to one' }),
    ip: Type.String(),
    outcome: Outcome,
    succeeded: Type.Boolean(),
    known_device: Type.Boolean({ description: 'whether the browser showed the device cookie of an earlier sign-in' }),
    connection: Type.Union([Type.String(), Type.Null()], { description: 'the upstream connection a sign-in came through; null for the password' }),
  },
  { additionalProperties: false },
);

const loginActivitySchema = {
  summary: 'Sign-in and signup attempts, newest first',
  tags,
  params: TenantParams,
  querystring: Type.Object(
    {
      user_id: Type.Optional(Type.String({ format: 'uuid', description: "only this user's attempts" })),
      email: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'only attempts made with this address typed in, whether or not an account has it' })),
      outcome: Type.Optional(Outcome),
      ...TimeRange,
      ...AdminPageQuery,
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ items: Type.Array(LoginAttempt), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses(LIST_ERRORS),
  },
};

/** `…/audit-events` and `…/login-activity` (audit:read): what happened at the tenant, a page at a time. */
export function auditRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/t/:tenant/admin/v1/audit-events', { schema: auditEventsSchema, preHandler: requireScope('audit:read') }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor, ...filter } = request.query;
    return listAuditLog(adminTenantOf(request).scope, filter, { limit, cursor });
  });

  scope.get('/t/:tenant/admin/v1/login-activity', { schema: loginActivitySchema, preHandler: requireScope('audit:read') }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor, user_id, ...filter } = request.query;
    const tenant = adminTenantOf(request);
    // The email's digest is keyed per tenant, as the attempts were recorded (login-keys.ts).
    const keys = loginKeysFor(parent.platform.config, tenant.id);
    return listLoginActivity(tenant.scope, keys, { userId: user_id, ...filter }, { limit, cursor });
  });
}
