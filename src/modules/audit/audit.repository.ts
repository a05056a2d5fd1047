import { sql, type Selectable } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { TenantDatabase } from '../../db/schema.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, timestampCursorPart, withoutCursorAt, type Page, type PageRequest } from '../../db/page.ts';

export interface AuditEvent {
  actor: string;
  action: string;
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export type AuditEventRow = Selectable<TenantDatabase['audit_events']>;

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

/** Which events to read: each given field must match exactly; `since` inclusive, `until` exclusive. */
export interface AuditEventFilter {
  action?: string;
  actor?: string;
  target?: string;
  since?: Date;
  until?: Date;
}

/**
 * Events newest first, by keyset on `(occurred_at, id)`: the id breaks ties between events of the
 * same microsecond, and each filter has an index in that order (migration 2026-12-01T0900).
 */
export async function listAuditEvents(db: TenantDb, filter: AuditEventFilter, page: PageRequest): Promise<Page<AuditEventRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'audit_events', [CURSOR_PART.timestamp, CURSOR_PART.serial]);
  return withoutCursorAt(
    await pageOf(
      page,
      (limit) => {
        let query = db.selectFrom('audit_events').selectAll().select(timestampCursorPart('occurred_at').as('cursor_at'));
        if (filter.action !== undefined) query = query.where('action', '=', filter.action);
        if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
        if (filter.target !== undefined) query = query.where('target', '=', filter.target);
        if (filter.since !== undefined) query = query.where('occurred_at', '>=', filter.since);
        if (filter.until !== undefined) query = query.where('occurred_at', '<', filter.until);
        if (after) query = query.where(sql<boolean>`(occurred_at, id) < (${after[0]}::timestamptz, ${after[1]}::bigint)`);
        return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      },
      (row) => encodeCursor('audit_events', [row.cursor_at, row.id]),
    ),
  );
}

/** Deletes events older than `days`; returns how many. */
export async function deleteAuditEventsOlderThan(db: TenantDb, days: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_events')
    .where('occurred_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
