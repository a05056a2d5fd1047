import { sql, type Kysely } from 'kysely';

/**
 * Passkeys (WebAuthn credentials, modules/mfa/passkeys*.ts) are rows of `mfa_factors` of kind
 * `webauthn`, so everything that already counts, lists, removes, resets, backs up and restores a
 * user's factors counts them too. A passkey row is confirmed at birth (the registration was
 * verified before the row exists) and keeps no secret: only the public key.
 *
 * - `credential_id`: base64url, as the authenticator names the credential; unique in the tenant
 *   (another tenant's database never sees it, so a credential is useless at another tenant);
 * - `public_key`: the COSE public key; `sign_count`: the authenticator's counter at its last use
 *   (bigint: it is an unsigned 32-bit number); `transports`: how the browser reached it;
 * - `device_type` (`singleDevice` or `multiDevice`) and `backed_up`: the authenticator's backup
 *   flags, refreshed at every use; `user_handle`: the WebAuthn user id given at registration.
 *
 * `webauthn_challenges` holds each challenge handed to a browser until its answer comes back:
 * taken by one `DELETE … RETURNING` (single use, also between nodes), bound to what asked for
 * it (an interaction or an account session) and, where known, the user, and short-lived.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('mfa_factors')
    .addColumn('credential_id', 'text')
    .addColumn('public_key', 'bytea')
    .addColumn('sign_count', 'bigint')
    .addColumn('transports', sql`text[]`)
    .addColumn('device_type', 'text', (c) => c.check(sql`device_type IN ('singleDevice', 'multiDevice')`))
    .addColumn('backed_up', 'boolean')
    .addColumn('user_handle', 'text')
    .execute();
  await db.schema
    .alterTable('mfa_factors')
    .addCheckConstraint(
      'mfa_factors_webauthn_credential',
      sql`kind <> 'webauthn' OR (credential_id IS NOT NULL AND public_key IS NOT NULL AND sign_count IS NOT NULL AND user_handle IS NOT NULL AND backed_up IS NOT NULL)`,
    )
    .execute();
  await db.schema.createIndex('mfa_factors_credential_id').on('mfa_factors').column('credential_id').unique().where(sql.ref('credential_id'), 'is not', null).execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('challenge', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose IN ('register', 'sign_in', 'second_factor')`))
    .addColumn('binding', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webauthn_challenges_expiry').on('webauthn_challenges').column('expires_at').execute();
}
