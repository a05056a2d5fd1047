import { sql, type Kysely } from 'kysely';

/**
 * Sign-in with upstream identity providers ("connections", modules/connections/):
 *
 * - `identity_providers` gets what an admin sets beside the protocol: `slug` becomes `name` (the
 *   word in the API, the CLI and the `idp` claim), a `preset` (google, microsoft, github, apple)
 *   over the protocol in `kind`, the email domains that lead to it on the login page, the roles a
 *   new account gets, whether it may create accounts at all, and when it last changed.
 * - `user_identities` gets an id (the admin API names an identity by it: a subject is any string),
 *   the address the provider last asserted, when it was last used, and an index per user.
 * - `upstream_sign_ins`: one row per trip to a provider, from the login page's button to the
 *   callback, looked up by a digest of its `state` and consumed once at the callback and once
 *   when the sign-in finishes, each an `UPDATE … WHERE … IS NULL`.
 * - `login_attempts.connection`: which connection a sign-in came through (NULL: the password).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('identity_providers').renameColumn('slug', 'name').execute();
  await db.schema
    .alterTable('identity_providers')
    .addColumn('preset', 'text', (c) => c.check(sql`preset IN ('google', 'microsoft', 'github', 'apple')`))
    .addColumn('domains', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('default_roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('create_users', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .alterTable('user_identities')
    .addColumn('id', 'uuid', (c) => c.notNull().unique().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', sql`citext`)
    .addColumn('last_signed_in_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('user_identities_user').on('user_identities').columns(['user_id', 'linked_at']).execute();

  await db.schema
    .createTable('upstream_sign_ins')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // SHA-256 of the `state` sent upstream: a database reader cannot answer a pending callback.
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('identity_providers.id').onDelete('cascade'))
    .addColumn('interaction_uid', 'text', (c) => c.notNull())
    // Useless without the code, which only the browser's callback brings, and the client secret.
    .addColumn('code_verifier', 'text')
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('outcome', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('called_back_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('upstream_sign_ins_expires_at').on('upstream_sign_ins').column('expires_at').execute();
  await db.schema.createIndex('upstream_sign_ins_interaction').on('upstream_sign_ins').column('interaction_uid').execute();

  await db.schema.alterTable('login_attempts').addColumn('connection', 'text').execute();
}
