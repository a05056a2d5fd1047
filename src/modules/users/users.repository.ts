import { sql, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, type Page, type PageRequest } from '../../db/page.ts';

export type UserRow = Selectable<TenantDatabase['users']>;

export const TENANT_ADMIN_ROLE = 'TenantAdmin';

export interface NewUser {
  email: string;
  passwordHash: string | null;
  name?: string | null;
  emailVerified?: boolean;
}

export function insertUser(db: TenantDb, user: NewUser): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ email: user.email, password_hash: user.passwordHash, name: user.name ?? null, email_verified: user.emailVerified ?? false })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts unless the email is taken (citext, so case-insensitively); undefined when it was. */
export function insertUserIfNew(db: TenantDb, user: NewUser): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values({ email: user.email, password_hash: user.passwordHash, name: user.name ?? null, email_verified: user.emailVerified ?? false })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findUserByEmail(db: TenantDb, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: TenantDb, id: string): Promise<UserRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Marks the address confirmed, if the account still has that address (a link mailed to an
 * address the account has since left proves nothing about the current one). False when not.
 */
export async function markEmailVerified(db: TenantDb, userId: string, email: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ email_verified: true, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .where('email', '=', email)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * A new password hash, with the failure counters cleared. `provenEmail`: the address the reset
 * link went to; the account's address counts as confirmed when it is still that one (the link
 * proved the mailbox). False when the account is gone.
 */
export async function replacePassword(db: TenantDb, userId: string, passwordHash: string, provenEmail: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({
      password_hash: passwordHash,
      failed_login_count: 0,
      locked_until: null,
      email_verified: sql<boolean>`email_verified OR email = ${provenEmail}`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type UserWithRoles = UserRow & { roles: string[] };

/** A page of users with their role names, in one query, by email. */
export async function listUsers(db: TenantDb, page: PageRequest): Promise<Page<UserWithRoles>> {
  const [afterEmail] = page.cursor === undefined ? [] : decodeCursor(page.cursor, 'users', [CURSOR_PART.text]);
  return pageOf(
    page,
    (limit) => {
      let query = db
        .selectFrom('users')
        .selectAll('users')
        .select((eb) =>
          eb
            .selectFrom('user_roles')
            .innerJoin('roles', 'roles.id', 'user_roles.role_id')
            .select(sql<string[]>`coalesce(array_agg(roles.name ORDER BY roles.name), '{}')`.as('roles'))
            .whereRef('user_roles.user_id', '=', 'users.id')
            .as('roles'),
        );
      // Emails are unique (citext: case-insensitively, which is also how they sort).
      if (afterEmail !== undefined) query = query.where('users.email', '>', afterEmail);
      return query.orderBy('users.email').limit(limit).execute() as Promise<UserWithRoles[]>;
    },
    (row) => encodeCursor('users', [row.email]),
  );
}

/** Creates the named roles if missing. */
export async function ensureRoles(db: TenantDb, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await db
    .insertInto('roles')
    .values(names.map((name) => ({ name })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export async function grantRoles(db: TenantDb, userId: string, roleNames: string[]): Promise<void> {
  if (roleNames.length === 0) return;
  await ensureRoles(db, roleNames);
  await db
    .insertInto('user_roles')
    .columns(['user_id', 'role_id'])
    .expression((eb) => eb.selectFrom('roles').select([sql<string>`${userId}::uuid`.as('user_id'), 'id']).where('name', 'in', roleNames))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function rolesOf(db: TenantDb, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select('roles.name')
    .where('user_roles.user_id', '=', userId)
    .orderBy('roles.name')
    .execute();
  return rows.map((r) => r.name);
}

/** Whether the user exists, is active and holds the TenantAdmin role: what the admin API trusts a user for. */
export async function isActiveTenantAdmin(db: TenantDb, userId: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) return false;
  const row = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select('users.id')
    .where('users.id', '=', userId)
    .where('users.status', '=', 'active')
    .where('roles.name', '=', TENANT_ADMIN_ROLE)
    .executeTakeFirst();
  return row !== undefined;
}
