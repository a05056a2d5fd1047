import { sql, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, type Page, type PageRequest } from '../../db/page.ts';
import { pgCode } from '../../errors.ts';

export type UserRow = Selectable<TenantDatabase['users']>;

export const TENANT_ADMIN_ROLE = 'TenantAdmin';

export interface NewUser {
  email: string;
  passwordHash: string | null;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  emailVerified?: boolean;
}

function userValues(user: NewUser) {
  return {
    email: user.email,
    password_hash: user.passwordHash,
    name: user.name ?? null,
    given_name: user.givenName ?? null,
    family_name: user.familyName ?? null,
    email_verified: user.emailVerified ?? false,
  };
}

export function insertUser(db: TenantDb, user: NewUser): Promise<UserRow> {
  return db
    .insertInto('users')
    .values(userValues(user))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts unless the email is taken (citext, so case-insensitively); undefined when it was. */
export function insertUserIfNew(db: TenantDb, user: NewUser): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(userValues(user))
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

/** Which users a list shows; every condition given must hold. */
export interface UserFilter {
  /** Part of the email, case-insensitively. */
  email?: string;
  /** Part of the name, given name or family name, case-insensitively. */
  name?: string;
  /** Holds this role (its exact name). */
  role?: string;
  status?: UserRow['status'];
}

/** `text` matched literally inside ILIKE: its own `%`, `_` and `\` are no wildcards. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A page of users with their role names, in one query, by email. A search with `%x%` cannot
 * use an index, but it walks the email index in order and stops at a full page, so a common
 * term costs a page and only a rare one reads far.
 */
export async function listUsers(db: TenantDb, page: PageRequest, filter: UserFilter = {}): Promise<Page<UserWithRoles>> {
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
      if (filter.email !== undefined) query = query.where(sql<boolean>`users.email ILIKE ${containing(filter.email)}`);
      if (filter.name !== undefined) {
        const pattern = containing(filter.name);
        query = query.where(sql<boolean>`(users.name ILIKE ${pattern} OR users.given_name ILIKE ${pattern} OR users.family_name ILIKE ${pattern})`);
      }
      if (filter.status !== undefined) query = query.where('users.status', '=', filter.status);
      const role = filter.role;
      if (role !== undefined) {
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('user_roles')
              .innerJoin('roles', 'roles.id', 'user_roles.role_id')
              .select('user_roles.user_id')
              .whereRef('user_roles.user_id', '=', 'users.id')
              .where('roles.name', '=', role),
          ),
        );
      }
      return query.orderBy('users.email').limit(limit).execute() as Promise<UserWithRoles[]>;
    },
    (row) => encodeCursor('users', [row.email]),
  );
}

/**
 * The user's row, locked until the transaction ends: a change reads, checks (If-Match, the
 * caller's own account) and writes with no other change in between.
 */
export function lockUser(db: TenantDb, id: string): Promise<UserRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
  return db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export type ProfileChange = Partial<Pick<UserRow, 'email' | 'email_verified' | 'name' | 'given_name' | 'family_name'>>;

/** Changes profile fields; undefined when the new email is taken (citext, so case-insensitively). */
export async function updateProfile(db: TenantDb, id: string, change: ProfileChange): Promise<UserRow | undefined> {
  try {
    return await db.updateTable('users').set({ ...change, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  } catch (error) {
    if (pgCode(error) === '23505') return undefined;
    throw error;
  }
}

export function setUserStatus(db: TenantDb, id: string, status: UserRow['status']): Promise<UserRow> {
  return db.updateTable('users').set({ status, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** A new password: the failures counted against the old one no longer slow the account down. */
export function setPasswordHash(db: TenantDb, id: string, passwordHash: string): Promise<UserRow> {
  return db
    .updateTable('users')
    .set({ password_hash: passwordHash, failed_login_count: 0, locked_until: null, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes the user; roles, linked identities and sign-in attempts go with it (foreign keys). */
export async function deleteUserRow(db: TenantDb, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** Makes `names` the user's roles: others are taken away, missing ones granted, kept ones keep their grant time. */
export async function replaceRoles(db: TenantDb, userId: string, names: string[]): Promise<void> {
  let removal = db.deleteFrom('user_roles').where('user_id', '=', userId);
  if (names.length > 0) removal = removal.where('role_id', 'not in', (eb) => eb.selectFrom('roles').select('id').where('name', 'in', names));
  await removal.execute();
  await grantRoles(db, userId, names);
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the user exists, is active and holds `role`, now: what the admin guards trust a token's user for. */
export async function isActiveUserWithRole(db: TenantDb, userId: string, role: string): Promise<boolean> {
  if (!UUID.test(userId)) return false;
  const row = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .innerJoin('roles', 'roles.id', 'user_roles.role_id')
    .select('users.id')
    .where('users.id', '=', userId)
    .where('users.status', '=', 'active')
    .where('roles.name', '=', role)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether the user exists, is active and holds the TenantAdmin role: what the admin API trusts a user for. */
export function isActiveTenantAdmin(db: TenantDb, userId: string): Promise<boolean> {
  return isActiveUserWithRole(db, userId, TENANT_ADMIN_ROLE);
}
