import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { Platform } from '../../platform/platform.ts';
import { pendingMigrations } from '../../db/migrator.ts';

/** A probe's refusal: the error body's two fields, with the probe's own `status` beside them. */
const UNAVAILABLE = {
  status: Type.Literal('unavailable'),
  error: Type.String({ description: 'database_unreachable or migrations_pending' }),
  error_description: Type.String(),
};

const DATABASE_UNREACHABLE = { status: 'unavailable', error: 'database_unreachable', error_description: 'the platform database does not answer' } as const;

/**
 * `/healthz` (liveness: this node reaches its platform database) and `/readyz` (readiness: also
 * no platform migration pending, so a node started before `tansu migrate` takes no traffic).
 */
export function registerProbeRoutes(parent: FastifyInstance, platform: Platform): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/healthz',
    {
      schema: {
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, description: 'the node and its platform database answer' }),
          503: Type.Object(UNAVAILABLE, { additionalProperties: false, description: 'the platform database does not answer' }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`SELECT 1`.execute(platform.db);
        return { status: 'ok' as const };
      } catch {
        return reply.status(503).send(DATABASE_UNREACHABLE);
      }
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        response: {
          200: Type.Object({ status: Type.Literal('ready') }, { additionalProperties: false, description: 'ready for traffic' }),
          503: Type.Object(
            { ...UNAVAILABLE, pending: Type.Optional(Type.Array(Type.String(), { description: 'platform migrations not yet applied' })) },
            { additionalProperties: false, description: 'the platform database does not answer, or has migrations pending' },
          ),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`SELECT 1`.execute(platform.db);
      } catch {
        return reply.status(503).send(DATABASE_UNREACHABLE);
      }
      const pending = await pendingMigrations(platform.db, 'platform');
      if (pending.length > 0) {
        return reply.status(503).send({
          status: 'unavailable',
          error: 'migrations_pending',
          error_description: `${pending.length} platform migration(s) pending: run tansu migrate`,
          pending,
        });
      }
      return { status: 'ready' as const };
    },
  );
}
