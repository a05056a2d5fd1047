import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { migrateFleet } from '../../provisioning/migrate-fleet.ts';
import { DEFAULT_MIGRATION_CONCURRENCY } from '../../provisioning/migration-concurrency.ts';
import { migrateFleetSchema } from './operation.schemas.ts';
import { bodyOptional } from './admin.schemas.ts';
import { callerText } from './platform-admin-auth.ts';
import { acceptJob } from './jobs.routes.ts';
import type { JobRunner } from './job-runner.ts';

/** `tansu migrate` as a job: progress counts tenants as the CLI's bar does. */
export function fleetRoutes(app: FastifyInstance, jobs: JobRunner): void {
  const { platform } = app;

  app.withTypeProvider<TypeBoxTypeProvider>().post('/fleet/migrate', { bodyLimit: 8 * 1024, schema: migrateFleetSchema, preValidation: bodyOptional }, async (request, reply) => {
    const concurrency = request.body.concurrency ?? DEFAULT_MIGRATION_CONCURRENCY;
    return acceptJob(reply, jobs, {
      kind: 'migrate_fleet',
      tenantId: null,
      params: { concurrency },
      createdBy: callerText(request.platformAdmin),
      async run(work) {
        let done = 0;
        work.report({ step: 'migrating the platform database and the templates' });
        const report = await migrateFleet(platform, {
          concurrency,
          onStart: (total) => work.report({ step: 'migrating tenants', done: 0, total }),
          onTenant: (result) => work.report({ step: `${result.tenant} ${result.status}`, done: ++done }),
        });
        const result = report as unknown as Record<string, unknown>;
        if (report.failed === 0) return { result };
        return { result, failure: { code: 'fleet_migration_incomplete', description: `${report.failed} templates or tenants failed to migrate; the result lists them` } };
      },
    });
  });
}
