import { sql, type Kysely } from 'kysely';

/**
 * Second factors (modules/mfa/). `mfa_factors` holds one row per authenticator of a user, of a
 * kind: `totp` today, `webauthn` next (its credential columns come with it; the kind is allowed
 * already, so that migration only adds columns). A TOTP row keeps its secret sealed in the
 * secret box, never in the clear; `confirmed_at` stays NULL until the user has typed a code from
 * it, and only confirmed rows are asked for at sign-in. `last_used_step` is the RFC 6238 time step
 * of the last code accepted: a code is accepted only for a newer step, by one conditional UPDATE,
 * so of two sign-ins with one code exactly one gets through. Time steps of 30 s fit an integer for
 * two thousand years.
 *
 * `mfa_recovery_codes` keeps the SHA-256 of each of a user's recovery codes; a code is used by an
 * UPDATE that only takes an unused row. Both tables go with the user (ON DELETE CASCADE) and with
 * the tenant's database: backups, restores and moves carry them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mfa_factors')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('totp', 'webauthn')`))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('secret_encrypted', 'text')
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('last_used_step', 'integer')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('mfa_factors_totp_secret', sql`kind <> 'totp' OR secret_encrypted IS NOT NULL`)
    .execute();
  await db.schema.createIndex('mfa_factors_user').on('mfa_factors').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('mfa_recovery_codes_pkey', ['user_id', 'code_hash'])
    .execute();
}
