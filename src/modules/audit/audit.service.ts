import type { TenantScope } from '../../platform/tenant-scope.ts';
import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { listAuditEvents, type AuditEventRow } from './audit.repository.ts';
import { timeRangeOf, type TimeRangeInput } from './time-range.ts';

/** An audit event as it leaves the process (admin API, `tansu audit list --json`). */
export interface AuditEventView {
  id: string;
  occurred_at: string;
  /** `user:<id>`, `client:<id>`, or a named actor: `cli`, `schedule`, `platform`, `signup`. */
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  /** What changed (a before/after summary for admin changes); never secrets. */
  details: Record<string, unknown>;
}

export function auditEventView(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    occurred_at: row.occurred_at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    ip: row.ip,
    details: row.details,
  };
}

export interface AuditQuery extends TimeRangeInput {
  action?: string;
  actor?: string;
  target?: string;
}

/** The tenant's audit log, newest first, a page at a time. */
export async function listAuditLog(scope: TenantScope, query: AuditQuery, page: PageRequest): Promise<Page<AuditEventView>> {
  const { action, actor, target } = query;
  const filter = { action, actor, target, ...timeRangeOf(query) };
  return mapPage(await listAuditEvents(scope.db, filter, page), auditEventView);
}
