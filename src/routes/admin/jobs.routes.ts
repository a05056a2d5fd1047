import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.ts';
import { findJob, listJobs } from '../../platform/admin-jobs.repository.ts';
import { PAGE_LIMIT } from '../schemas.ts';
import { PLATFORM_ADMIN_PREFIX } from './admin.schemas.ts';
import { listJobsSchema, showJobSchema } from './job.schemas.ts';
import { jobView } from './job-view.ts';
import type { JobRunner, JobSpec } from './job-runner.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Starts a job and answers 202 with it and where to follow it. */
export async function acceptJob(reply: FastifyReply, jobs: JobRunner, spec: JobSpec): Promise<FastifyReply> {
  const row = await jobs.start(spec);
  return reply.status(202).header('location', `${PLATFORM_ADMIN_PREFIX}/jobs/${row.id}`).send({ job: jobView(row) });
}

/** Jobs, from the platform database: any node answers for a job any node runs. */
export function jobRoutes(app: FastifyInstance): void {
  const { platform } = app;
  const scope = app.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/jobs', { schema: listJobsSchema }, async (request) => {
    const { kind, tenant, limit = PAGE_LIMIT.default, cursor } = request.query;
    const page = await listJobs(platform.db, { kind, tenantId: tenant }, { limit, cursor });
    return { jobs: page.items.map(jobView), next_cursor: page.next_cursor };
  });

  scope.get('/jobs/:id', { schema: showJobSchema }, async (request) => {
    const { id } = request.params;
    if (!UUID.test(id)) throw new AppError('invalid_job_id', `"${id.slice(0, 64)}" is not a job id (a lowercase UUID)`, 400);
    const row = await findJob(platform.db, id);
    if (!row) throw new AppError('job_not_found', `job "${id}" does not exist`, 404);
    return { job: jobView(row) };
  });
}
