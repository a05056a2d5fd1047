import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { STATS_HOURS, tenantStats } from '../../modules/stats/tenant-stats.service.ts';
import { adminTenantOf, requireScope } from './auth.ts';
import { ADMIN_ERRORS } from './admin-schemas.ts';
import { TenantParams, errorResponses } from '../schemas.ts';

const Count = (description: string) => Type.Integer({ minimum: 0, description });

const HourOfSignIns = Type.Object(
  {
    hour: Type.String({ format: 'date-time', description: 'the start of the hour (UTC)' }),
    succeeded: Count('password sign-ins that succeeded'),
    failed: Count('password sign-ins refused: wrong credentials or throttled'),
  },
  { additionalProperties: false },
);

const statsSchema = {
  summary: 'The tenant at a glance: counts, and sign-ins and failures per hour',
  description: `What the console's overview shows. Each count is of now; \`sign_ins\` lists every one of the last \`hours\` hours, oldest first, the hour under way last.`,
  tags: ['audit'],
  params: TenantParams,
  querystring: Type.Object(
    {
      hours: Type.Optional(
        Type.Integer({ minimum: STATS_HOURS.min, maximum: STATS_HOURS.max, description: `how many hours of sign-ins (default ${STATS_HOURS.default})` }),
      ),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object(
      {
        users: Count('every user'),
        disabled_users: Count('users who cannot sign in'),
        clients: Count("the tenant's registered clients (the built-in ones not counted)"),
        apis: Count("the tenant's APIs (the built-in admin API not counted)"),
        pending_invitations: Count('invitations neither used nor expired'),
        live_sessions: Count('signed-in browser sessions that have not ended'),
        sign_ins: Type.Array(HourOfSignIns, { maxItems: STATS_HOURS.max }),
      },
      { additionalProperties: false },
    ),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request' }),
  },
};

/** `…/stats` (audit:read): the counts and the hourly sign-in chart of the console's overview, in one request. */
export function statsRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  scope.get('/t/:tenant/admin/v1/stats', { schema: statsSchema, preHandler: requireScope('audit:read') }, async (request) => {
    return tenantStats(adminTenantOf(request).scope, { hours: request.query.hours });
  });
}
