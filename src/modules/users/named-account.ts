import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError, notFound } from '../../errors.ts';
import { normalizeEmail } from './email.ts';
import { findUserByEmail, findUserById, type UserRow } from './users.repository.ts';

/** An account as an operator names it: by sign-in email (the CLI) or by id (the tenant admin API). */
export type AccountName = { email: string } | { userId: string };

/**
 * The active account an operator's mail is for: `user_not_found` (404) when nobody has the
 * name, `user_disabled` (409) when the account may not sign in, so no link is mailed that
 * could not be used.
 */
export async function activeAccountNamed(db: TenantDb, name: AccountName): Promise<UserRow> {
  const shown = 'userId' in name ? name.userId : normalizeEmail(name.email);
  const user = 'userId' in name ? await findUserById(db, name.userId) : await findUserByEmail(db, shown);
  if (!user) throw notFound('user', shown);
  if (user.status !== 'active') throw new AppError('user_disabled', `user "${user.email}" is disabled`, 409);
  return user;
}
