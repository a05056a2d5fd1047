import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';

/*
 * The SQL of a tenant's overview (the console's first page): counts over several tables, and
 * sign-in attempts per hour. Read-only, and each count is one index or table scan of a table a
 * tenant keeps small (users, clients) or bounded by retention (sessions expire).
 */

export interface TenantCounts {
  users: number;
  disabledUsers: number;
  clients: number;
  apis: number;
  pendingInvitations: number;
  liveSessions: number;
}

/** Every count in one round trip (one statement of scalar subqueries). */
export async function countTenantThings(db: TenantDb, now: Date): Promise<TenantCounts> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).as('users'),
      eb.selectFrom('users').select(sql<number>`count(*)::int`.as('n')).where('status', '=', 'disabled').as('disabled_users'),
      eb.selectFrom('clients').select(sql<number>`count(*)::int`.as('n')).as('clients'),
      eb.selectFrom('api_resources').select(sql<number>`count(*)::int`.as('n')).as('apis'),
      eb
        .selectFrom('invitations')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', now)
        .as('pending_invitations'),
      // A session row outlives its end only until the cleanup sweep; the adapter hides it, and so does this.
      eb
        .selectFrom('oidc_payloads')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('model', '=', 'Session')
        .where((w) => w.or([w('expires_at', 'is', null), w('expires_at', '>', now)]))
        .as('live_sessions'),
    ])
    .executeTakeFirstOrThrow();
  return {
    users: row.users ?? 0,
    disabledUsers: row.disabled_users ?? 0,
    clients: row.clients ?? 0,
    apis: row.apis ?? 0,
    pendingInvitations: row.pending_invitations ?? 0,
    liveSessions: row.live_sessions ?? 0,
  };
}

/** Sign-ins of one hour: `hour` counts hours since the Unix epoch, so no time zone is involved. */
export interface HourOfSignIns {
  hour: number;
  succeeded: number;
  failed: number;
}

/**
 * Password sign-ins that succeeded, and those refused (wrong credentials or throttled), per hour
 * in [since, until); hours without any are absent. Signups and mailed-link requests are other
 * things and not counted; `pending` attempts have no outcome yet. Served by `login_attempts_recent`.
 */
export async function signInsPerHour(db: TenantDb, since: Date, until: Date): Promise<HourOfSignIns[]> {
  const hour = sql<number>`floor(extract(epoch from occurred_at) / 3600)::int`;
  return db
    .selectFrom('login_attempts')
    .select([
      hour.as('hour'),
      sql<number>`(count(*) FILTER (WHERE reason = 'signed_in'))::int`.as('succeeded'),
      sql<number>`(count(*) FILTER (WHERE reason IN ('invalid_credentials', 'throttled')))::int`.as('failed'),
    ])
    .where('occurred_at', '>=', since)
    .where('occurred_at', '<', until)
    .where('reason', 'in', ['signed_in', 'invalid_credentials', 'throttled'])
    .groupBy(hour)
    .orderBy(hour)
    .execute();
}
