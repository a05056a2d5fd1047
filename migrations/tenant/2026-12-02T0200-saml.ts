import { sql, type Kysely } from 'kysely';

/**
 * SAML 2.0 connections (modules/connections/saml-*.ts). A SAML connection is a row of
 * `identity_providers` with `kind = 'saml'`: the IdP's metadata and what was read from it live in
 * `settings`, the service provider's own private key is sealed in `client_secret_encrypted` like any
 * connection secret, and a trip to the IdP is a row of `upstream_sign_ins` keyed by a digest of the
 * AuthnRequest's ID (what the answer's InResponseTo must name).
 *
 * `saml_assertions` is the replay cache: each accepted assertion's ID, per connection, inserted
 * once under the primary key, so a second post of the same assertion finds its ID taken. A row is
 * kept until the assertion itself expires (its NotOnOrAfter plus the clock skew allowed), after
 * which the assertion is refused as expired anyway; the key-rotation sweep deletes such rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saml_assertions')
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('identity_providers.id').onDelete('cascade'))
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_assertions_pkey', ['provider_id', 'assertion_id'])
    .execute();
  await db.schema.createIndex('saml_assertions_expires_at').on('saml_assertions').column('expires_at').execute();
}
