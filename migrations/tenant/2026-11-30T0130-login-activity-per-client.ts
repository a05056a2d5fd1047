import { sql, type Kysely } from 'kysely';

/**
 * Sign-in limits that strangers cannot turn against an account's owner (login-throttle.ts):
 * `ip_bucket` is the IPv4 address or IPv6 /64 the limits count by, `device_id` the device cookie
 * an attempt presented, whose failures are counted apart from everyone else's.
 *
 * `identifier_hash` is now keyed (HMAC under a per-tenant key derived from the master key), as
 * the first migration's comment already said. The rows written before hold an unkeyed SHA-256 of
 * the tenant id and the address, which hashing a list of addresses reverses. They only feed
 * counters with a 15-minute window, so their digests are blanked ('' is no HMAC and matches no
 * attempt) while the rest of each row (account, address, outcome, time) stays for its retention.
 * Old rows get their address as bucket: an IPv6 one counts per address for its last minutes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`UPDATE login_attempts SET identifier_hash = ''`.execute(db);
  await db.schema.alterTable('login_attempts').addColumn('ip_bucket', 'text').addColumn('device_id', 'text').execute();
  await sql`UPDATE login_attempts SET ip_bucket = ip`.execute(db);
  await sql`ALTER TABLE login_attempts ALTER COLUMN ip_bucket SET NOT NULL`.execute(db);
  await db.schema.dropIndex('login_attempts_ip').execute();
  await db.schema.createIndex('login_attempts_ip_bucket').on('login_attempts').columns(['ip_bucket', 'occurred_at']).execute();
}
