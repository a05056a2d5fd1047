import { sql, type Kysely } from 'kysely';

/**
 * What the tenant admin API reads and revokes per user, without scanning whole tables:
 * - every provider row of an account (sessions, grants, codes, tokens carry `accountId`), which
 *   disabling, deleting or re-passwording a user deletes at once, and which list the user's
 *   sessions and consented apps. Partial, like the `uid` and `grantId` indexes: client
 *   credentials tokens and interactions have no account and cost the index nothing.
 * - a user's sign-in attempts, newest first (their login activity); deleting a user also deletes
 *   them through the foreign key, which without an index reads the whole table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // 2026-12-01T0400 (email tokens) made the same index for password resets; branches written side by side.
  await sql`CREATE INDEX IF NOT EXISTS oidc_payloads_account_id ON oidc_payloads ((payload->>'accountId')) WHERE payload ? 'accountId'`.execute(db);
  await sql`CREATE INDEX login_attempts_user ON login_attempts (user_id, id) WHERE user_id IS NOT NULL`.execute(db);
}
