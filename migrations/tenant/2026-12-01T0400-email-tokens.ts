import { sql, type Kysely } from 'kysely';

/**
 * One-time tokens of the links Tansu mails (modules/users/email-tokens.ts): confirm an address,
 * reset a password; magic links and email changes are to use the same table. Only a digest of
 * each token is stored, bound to the tenant and the purpose, so neither a copy of this table nor
 * a copy of the whole database (`tansu tenant restore --as`) yields a link that works. A link is
 * used by one conditional UPDATE that only takes an unconsumed, unexpired row: of two requests
 * with one link, PostgreSQL's row lock lets exactly one through.
 *
 * `oidc_payloads_account_id` finds the sessions, grants and tokens of one account, which a new
 * password revokes, without reading every row of the table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('email_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose IN ('verify_email', 'reset_password', 'magic_link', 'change_email')`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The address the link was mailed to: the one it proves (for an email change, the new one).
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('email_tokens_user').on('email_tokens').columns(['user_id', 'purpose']).execute();
  await db.schema.createIndex('email_tokens_expires_at').on('email_tokens').column('expires_at').execute();
  await sql`CREATE INDEX oidc_payloads_account_id ON oidc_payloads ((payload->>'accountId')) WHERE payload ? 'accountId'`.execute(db);
}
