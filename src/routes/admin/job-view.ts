import type { Static } from 'typebox';
import type { AdminJobRow } from '../../platform/admin-jobs.repository.ts';
import type { Job } from './job.schemas.ts';

type JobView = Static<typeof Job>;

/**
 * A job as the API shows it. A job whose node stopped beating is shown as what it is, failed
 * (`interrupted`), whatever its row still says: nothing will finish it. A move or restore
 * interrupted mid-swap leaves its tenant in maintenance, as the CLI's would, and says how to
 * bring it back.
 */
export function jobView(row: AdminJobRow): JobView {
  const progress = row.progress as Partial<JobView['progress']>;
  const view: JobView = {
    id: row.id,
    kind: row.kind as JobView['kind'],
    status: row.status,
    tenant: row.tenant_id,
    params: row.params,
    progress: { step: progress.step ?? null, done: progress.done ?? null, total: progress.total ?? null },
    result: row.result,
    error: row.error,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    heartbeat_at: row.heartbeat_at.toISOString(),
  };
  if (row.stale) {
    view.status = 'failed';
    view.error = { code: 'interrupted', description: interruptedDescription(row) };
  }
  return view;
}

function interruptedDescription(row: AdminJobRow): string {
  const stopped = `the node running this job stopped before it finished (no heartbeat since ${row.heartbeat_at.toISOString()})`;
  if ((row.kind === 'move' || row.kind === 'restore') && row.tenant_id) {
    const id = row.tenant_id;
    return `${stopped}; if tenant "${id}" is left in maintenance, bring it back with POST /admin/v1/tenants/${id}/recover (tansu tenant recover ${id})`;
  }
  return `${stopped}; run it again`;
}
