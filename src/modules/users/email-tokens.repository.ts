import { sql, type Selectable } from 'kysely';
import type { EmailTokenPurpose, TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';

/** The SQL of `email_tokens`; what a token is and how it is digested is email-tokens.ts. */
export type EmailTokenRow = Selectable<TenantDatabase['email_tokens']>;

export interface NewEmailToken {
  tokenHash: string;
  purpose: EmailTokenPurpose;
  email: string;
  /** From the database's clock, as every expiry check reads it. */
  lifetimeSeconds: number;
}

/** Which account a token is for: by id (signup, the CLI), or by the address someone typed. */
export type TokenAccount = { userId: string } | { email: string; unverifiedOnly?: boolean };

/**
 * Stores a token for the account, if it exists and is active, in one statement whether or not it
 * does: a flow that must not tell whether an address has an account sends the same statement for
 * both (an id that names nobody, or an address without an account, inserts nothing).
 * `unverifiedOnly`: only an account whose address is not confirmed yet. Returns the account's id
 * and the token's expiry, or undefined when no row was stored.
 */
export async function insertEmailToken(
  db: TenantDb,
  token: NewEmailToken,
  account: TokenAccount,
): Promise<{ user_id: string; expires_at: Date } | undefined> {
  return db
    .insertInto('email_tokens')
    .columns(['token_hash', 'purpose', 'user_id', 'email', 'expires_at'])
    .expression((eb) => {
      let users = eb
        .selectFrom('users')
        .select([
          sql<string>`${token.tokenHash}::text`.as('token_hash'),
          sql<string>`${token.purpose}::text`.as('purpose'),
          'id',
          sql<string>`${token.email}::text`.as('email'),
          sql<Date>`now() + make_interval(secs => ${token.lifetimeSeconds})`.as('expires_at'),
        ])
        .where('status', '=', 'active');
      if ('userId' in account) return users.where('id', '=', account.userId);
      users = users.where('email', '=', account.email);
      return account.unverifiedOnly ? users.where('email_verified', '=', false) : users;
    })
    .returning(['user_id', 'expires_at'])
    .executeTakeFirst();
}

/** The token if it can still be used (unconsumed, unexpired): for the page a link opens, which must not use it. */
export function findUsableEmailToken(db: TenantDb, tokenHash: string, purpose: EmailTokenPurpose): Promise<EmailTokenRow | undefined> {
  return db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/**
 * Uses the token, once: one conditional UPDATE that only takes a row nobody consumed and that
 * has not expired. Of two concurrent requests the second waits on the first's row lock, then
 * finds `consumed_at` set and updates nothing; so does every later one.
 */
export function consumeEmailToken(db: TenantDb, tokenHash: string, purpose: EmailTokenPurpose): Promise<EmailTokenRow | undefined> {
  return db
    .updateTable('email_tokens')
    .set({ consumed_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** Every other link of this purpose the account still has dies with the one just used. */
export async function consumeEmailTokensOf(db: TenantDb, userId: string, purpose: EmailTokenPurpose): Promise<void> {
  await db
    .updateTable('email_tokens')
    .set({ consumed_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .execute();
}

/** Expired tokens (used or not) are of no further use; returns how many went. */
export async function deleteExpiredEmailTokens(db: TenantDb): Promise<number> {
  const result = await db.deleteFrom('email_tokens').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
