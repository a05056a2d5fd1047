import type { Kysely } from 'kysely';

/**
 * The audit log and sign-in activity become readable by admins (`GET …/audit-events`,
 * `…/login-activity`): newest first, a page at a time by keyset on `(occurred_at, id)`, optionally
 * narrowed to one action, actor or target. Each of those reads is one index range scan in the
 * list's order, however long the history, and so is the retention sweep's `occurred_at <` delete,
 * which on `login_attempts` had no index to use at all.
 *
 * `(occurred_at, id)` replaces the audit log's single-column `occurred_at` index, which it covers.
 * Sign-in activity per email is served by `login_attempts_identifier`, per user by
 * `login_attempts_user` (2026-12-01T0800).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_events_occurred_at').execute();
  await db.schema.createIndex('audit_events_recent').on('audit_events').columns(['occurred_at', 'id']).execute();
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'occurred_at', 'id']).execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor', 'occurred_at', 'id']).execute();
  await db.schema.createIndex('audit_events_target').on('audit_events').columns(['target', 'occurred_at', 'id']).execute();

  await db.schema.createIndex('login_attempts_recent').on('login_attempts').columns(['occurred_at', 'id']).execute();
}
