import type { TenantDb } from '../../db/tenant-database.ts';

export interface AuditEvent {
  actor: string;
  action: string;
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export async function recordAuditEvent(db: TenantDb, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor: event.actor,
      action: event.action,
      target: event.target ?? null,
      ip: event.ip ?? null,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}
