import { Type } from 'typebox';
import { NextCursor, PAGE_LIMIT, errorResponses } from '../schemas.ts';
import { TAGS, guardErrors } from './admin.schemas.ts';

export const JOB_KINDS = ['restore', 'move', 'migrate_fleet'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** job-view.ts's view of a row of admin_jobs. */
export const Job = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Enum([...JOB_KINDS], { description: 'restore, move or migrate_fleet' }),
    status: Type.Enum(['queued', 'running', 'succeeded', 'failed'], {
      description: 'failed with error interrupted when the node running it stopped beating (a move or restore then leaves its tenant in maintenance until recovered)',
    }),
    tenant: Type.Union([Type.String(), Type.Null()], { description: 'the tenant it works on; null for a fleet migration' }),
    params: Type.Object({}, { additionalProperties: true, description: 'what it was asked to do' }),
    progress: Type.Object(
      {
        step: Type.Union([Type.String(), Type.Null()], { description: 'the step under way, in words' }),
        done: Type.Union([Type.Integer(), Type.Null()], { description: 'steps or items done' }),
        total: Type.Union([Type.Integer(), Type.Null()], { description: 'items in all, when known (a fleet migration: its tenants)' }),
      },
      { additionalProperties: false },
    ),
    result: Type.Union([JsonObject, Type.Null()], { description: 'what the operation answered, once it ended (the same object as the CLI prints with --json)' }),
    error: Type.Union(
      [Type.Object({ code: Type.String({ description: 'stable snake_case code, as the CLI would exit with' }), description: Type.String() }, { additionalProperties: false }), Type.Null()],
      { description: 'why it failed; null otherwise' },
    ),
    created_by: Type.String({ description: 'token (the bootstrap token), user:<id> or client:<id> of the admin tenant' }),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    heartbeat_at: Type.String({ format: 'date-time', description: 'last sign of life of the node running it' }),
  },
  { additionalProperties: false },
);

export const JobEnvelope = Type.Object({ job: Job }, { additionalProperties: false });

/** A long operation's answer: 202, the job, and `Location: /admin/v1/jobs/<id>` to follow it. */
export function jobAccepted(description: string) {
  return Type.Object({ job: Job }, { additionalProperties: false, description: `${description}; follow it at the Location header (/admin/v1/jobs/<id>)` });
}

export const listJobsSchema = {
  summary: 'List recent jobs, newest first',
  tags: [TAGS.jobs],
  querystring: Type.Object(
    {
      kind: Type.Optional(Type.Enum([...JOB_KINDS], { description: 'only jobs of this kind' })),
      tenant: Type.Optional(Type.String({ maxLength: 64, description: 'only jobs on this tenant' })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT.max, description: `jobs per page (default ${PAGE_LIMIT.default})` })),
      cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' })),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ jobs: Type.Array(Job), next_cursor: NextCursor }, { additionalProperties: false, description: 'one page of jobs' }),
    ...errorResponses({ ...guardErrors(), 400: 'invalid_request or invalid_cursor' }),
  },
};

export const showJobSchema = {
  summary: "A job's status, progress, and result or error",
  tags: [TAGS.jobs],
  params: Type.Object({ id: Type.String({ description: 'job id (a UUID)' }) }),
  response: {
    200: JobEnvelope,
    ...errorResponses({ ...guardErrors('job_not_found'), 400: 'invalid_job_id' }),
  },
};
