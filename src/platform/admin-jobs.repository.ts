import { sql, type Kysely, type Selectable } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, timestampCursorPart, type Page, type PageRequest } from '../db/page.ts';

type Db = Kysely<PlatformDatabase>;

/** How often the node running a job says it is still alive. */
export const JOB_HEARTBEAT_SECONDS = 10;

/**
 * A job whose heartbeat is older than this has lost its node (killed, crashed, cut off from the
 * database): six missed beats, so a node under load or a slow database is not declared dead.
 */
export const JOB_STALE_AFTER_SECONDS = 60;

export type AdminJobRow = Selectable<PlatformDatabase['admin_jobs']> & {
  /** Queued or running, but its heartbeat is older than JOB_STALE_AFTER_SECONDS by the database's clock. */
  stale: boolean;
};

export interface JobFailure {
  code: string;
  description: string;
}

const LIST = 'admin-jobs';

/** Staleness by the database's clock, so nodes whose clocks disagree still agree on it. */
function selectJobs(db: Db) {
  return db
    .selectFrom('admin_jobs')
    .selectAll()
    .select(
      sql<boolean>`status IN ('queued', 'running') AND heartbeat_at < now() - make_interval(secs => ${JOB_STALE_AFTER_SECONDS})`.as('stale'),
    );
}

export function insertJob(db: Db, job: { kind: string; tenantId: string | null; params: Record<string, unknown>; createdBy: string }): Promise<AdminJobRow> {
  return db
    .insertInto('admin_jobs')
    .values({ kind: job.kind, status: 'queued', tenant_id: job.tenantId, params: JSON.stringify(job.params), created_by: job.createdBy })
    .returningAll()
    .returning(sql<boolean>`false`.as('stale'))
    .executeTakeFirstOrThrow();
}

export async function markJobRunning(db: Db, id: string): Promise<void> {
  await db
    .updateTable('admin_jobs')
    .set({ status: 'running', started_at: sql<Date>`now()`, heartbeat_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

/** The latest progress, and a heartbeat with it. */
export async function updateJobProgress(db: Db, id: string, progress: Record<string, unknown>): Promise<void> {
  await db
    .updateTable('admin_jobs')
    .set({ progress: JSON.stringify(progress), heartbeat_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

/** One UPDATE for every job a node is running. */
export async function beatJobs(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('admin_jobs')
    .set({ heartbeat_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/**
 * The outcome. Written whatever the row says meanwhile: a node that was only slow (its job
 * reported `interrupted` while it stalled) still records what really happened.
 */
export async function finishJob(
  db: Db,
  id: string,
  outcome: { status: 'succeeded'; result: Record<string, unknown> } | { status: 'failed'; error: JobFailure; result?: Record<string, unknown> },
): Promise<void> {
  await db
    .updateTable('admin_jobs')
    .set({
      status: outcome.status,
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
      finished_at: sql<Date>`now()`,
      heartbeat_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export function findJob(db: Db, id: string): Promise<AdminJobRow | undefined> {
  return selectJobs(db).where('id', '=', id).executeTakeFirst();
}

/** Newest first; keyset on (created_at, id), with created_at to the microsecond in the cursor. */
export async function listJobs(db: Db, filter: { kind?: string; tenantId?: string }, page: PageRequest): Promise<Page<AdminJobRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, LIST, [CURSOR_PART.timestamp, CURSOR_PART.uuid]);
  let query = selectJobs(db).select(timestampCursorPart('created_at').as('cursor_at'));
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  // One row more than the page tells whether another page follows.
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const result = { items, next_cursor: rows.length > page.limit && last ? encodeCursor(LIST, [last.cursor_at, last.id]) : null };
  return { items: result.items.map(({ cursor_at: _, ...row }) => row), next_cursor: result.next_cursor };
}
