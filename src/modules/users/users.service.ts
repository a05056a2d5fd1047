import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError, notFound } from '../../errors.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from './email.ts';
import { canonicalText } from './user-text.ts';
import {
  findUserByEmail,
  findUserById,
  grantRoles,
  insertUserIfNew,
  listUsers as listUserRows,
  lockUser,
  replaceRoles,
  rolesOf,
  TENANT_ADMIN_ROLE,
  updateProfile,
  type ProfileChange,
  type UserFilter,
  type UserRow,
} from './users.repository.ts';
import { summarizeUser, type UserSummary } from './user-summary.ts';
import { auditedChange, auditedUser } from './user-audit.ts';

export { summarizeUser, type UserSummary } from './user-summary.ts';
export type { UserFilter } from './users.repository.ts';

export interface CreateUserInput {
  email: string;
  /** Omitted ⇒ a strong password is generated and returned once. */
  password?: string;
  name?: string;
  roles?: string[];
  emailVerified?: boolean;
}

export interface CreatedUser {
  user: UserSummary;
  /** Only when generated: shown once, stored only as an argon2id hash. */
  generatedPassword?: string;
}

const ROLE_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const MAX_NAME_LENGTH = 200;

/** The password policy: length only (NIST 800-63B), and not the account's own email. */
export function checkPassword(password: unknown, email: string): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError('weak_password', `the password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (password.trim().toLowerCase() === email) throw new AppError('weak_password', 'the password must not be the email address');
  return password;
}

export function checkRoleNames(roles: readonly string[]): string[] {
  const names = [...new Set(roles.map((role) => role.trim()).filter(Boolean))];
  const bad = names.find((name) => !ROLE_NAME.test(name));
  if (bad !== undefined) {
    throw new AppError('invalid_role', `role "${bad.slice(0, 70)}" is not valid: a letter, then letters, digits, "_", ".", ":" or "-" (64 at most)`);
  }
  return names;
}

/** A display name in NFKC, without control or bidi-override characters (user-text.ts). */
export function checkDisplayName(name: unknown): string | null {
  if (name === undefined || name === null) return null;
  const canonical = typeof name === 'string' ? canonicalText(name)?.trim() : undefined;
  if (canonical === undefined) {
    throw new AppError('invalid_name', 'the name must be text without control characters or bidirectional overrides');
  }
  if (canonical.length === 0 || canonical.length > MAX_NAME_LENGTH) {
    throw new AppError('invalid_name', `the name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return canonical;
}

/** Creates a user with an argon2id password and roles, in one transaction; `user_exists` if the email is taken. */
export async function createUser(scope: TenantScope, input: CreateUserInput, actor: Actor): Promise<CreatedUser> {
  const email = normalizeEmail(input.email);
  const password = input.password === undefined ? generatePassword() : checkPassword(input.password, email);
  const name = checkDisplayName(input.name);
  const roles = checkRoleNames(input.roles ?? []);
  const passwordHash = await hashPassword(password);

  const user = await scope.db.transaction().execute(async (trx) => {
    const row = await insertUserIfNew(trx, { email, passwordHash, name, emailVerified: input.emailVerified ?? false });
    if (!row) throw new AppError('user_exists', `a user with email "${email}" already exists`, 409);
    await grantRoles(trx, row.id, roles);
    const created = summarizeUser(row, roles);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.created', target: row.id, details: { after: auditedUser(created) } });
    return created;
  });
  return { user, ...(input.password === undefined ? { generatedPassword: password } : {}) };
}

/** A page of the tenant's users, by email; `filter` narrows it (search text in NFKC, as names are stored). */
export async function listUsers(scope: TenantScope, page: PageRequest, filter: UserFilter = {}): Promise<Page<UserSummary>> {
  const search = (text: string | undefined, field: string) => {
    if (text === undefined) return undefined;
    const canonical = canonicalText(text)?.trim();
    if (canonical === undefined) throw new AppError('invalid_request', `the ${field} search must be text without control characters`);
    return canonical;
  };
  const rows = await listUserRows(scope.db, page, { ...filter, email: search(filter.email, 'email'), name: search(filter.name, 'name') });
  return mapPage(rows, (row) => summarizeUser(row, row.roles));
}

export const userNotFound = (id: string) => notFound('user', id.slice(0, 64));

export async function getUser(scope: TenantScope, userId: string): Promise<UserSummary> {
  const row = await findUserById(scope.db, userId);
  if (!row) throw userNotFound(userId);
  return summarizeUser(row, await rolesOf(scope.db, row.id));
}

/** The user with this email (as the CLI names users); `user_not_found` otherwise. */
export async function getUserByEmail(scope: TenantScope, email: string): Promise<UserSummary> {
  const row = await findUserByEmail(scope.db, normalizeEmail(email));
  if (!row) throw new AppError('user_not_found', `no user has the email "${String(email).slice(0, 254)}"`, 404);
  return summarizeUser(row, await rolesOf(scope.db, row.id));
}

/**
 * A check of the user as it is before a change, made inside the change's transaction with the
 * row locked, so nothing changes between the check and the write: the admin API passes its
 * If-Match comparison here.
 */
export type Precondition = (current: UserSummary) => void;

/** The user's row, locked for the rest of the transaction, and what callers see of it; `user_not_found` otherwise. */
export async function lockedUser(db: TenantDb, userId: string, precondition?: Precondition): Promise<{ row: UserRow; user: UserSummary }> {
  const row = await lockUser(db, userId);
  if (!row) throw userNotFound(userId);
  const user = summarizeUser(row, await rolesOf(db, row.id));
  precondition?.(user);
  return { row, user };
}

/**
 * A tenant admin must not lock themselves out through the admin API: disabling or deleting
 * their own account, or dropping their own TenantAdmin role, would end the session they act in,
 * with nobody left to undo it when they were the last admin. Another admin, a machine client
 * or the CLI can.
 */
export function refuseSelfLockout(actor: Actor, userId: string, what: string): void {
  if (actor.type === 'user' && actor.id === userId) {
    throw new AppError('self_lockout', `you cannot ${what} your own account through the admin API; another admin can`, 409);
  }
}

export interface UpdateUserInput {
  userId: string;
  email?: string;
  emailVerified?: boolean;
  /** null clears the name. */
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  /** The user's roles from now on: roles not named are taken away. */
  roles?: string[];
  precondition?: Precondition;
}

/**
 * Changes a user's profile and roles in one transaction, audited with what changed. A new email
 * is unverified unless `emailVerified` says otherwise: the old address's proof does not carry
 * over. Nothing changed: no write and no audit event.
 */
export async function updateUser(scope: TenantScope, input: UpdateUserInput, actor: Actor): Promise<UserSummary> {
  const email = input.email === undefined ? undefined : normalizeEmail(input.email);
  const roles = input.roles === undefined ? undefined : checkRoleNames(input.roles);
  const names = {
    name: input.name === undefined ? undefined : checkDisplayName(input.name),
    given_name: input.givenName === undefined ? undefined : checkDisplayName(input.givenName),
    family_name: input.familyName === undefined ? undefined : checkDisplayName(input.familyName),
  };

  return scope.db.transaction().execute(async (trx) => {
    const { row, user: before } = await lockedUser(trx, input.userId, input.precondition);
    if (roles !== undefined && before.roles.includes(TENANT_ADMIN_ROLE) && !roles.includes(TENANT_ADMIN_ROLE)) {
      refuseSelfLockout(actor, row.id, `remove the ${TENANT_ADMIN_ROLE} role from`);
    }
    const change: ProfileChange = {};
    for (const [field, value] of Object.entries(names) as [keyof typeof names, string | null | undefined][]) {
      if (value !== undefined && value !== row[field]) change[field] = value;
    }
    if (email !== undefined && email !== row.email) {
      change.email = email;
      change.email_verified = input.emailVerified ?? false;
    }
    if (input.emailVerified !== undefined && input.emailVerified !== row.email_verified) change.email_verified = input.emailVerified;

    let updated = row;
    if (Object.keys(change).length > 0) {
      const written = await updateProfile(trx, row.id, change);
      if (!written) throw new AppError('user_exists', `a user with email "${email}" already exists`, 409);
      updated = written;
    }
    if (roles !== undefined) await replaceRoles(trx, row.id, roles);
    const after = summarizeUser(updated, roles === undefined ? before.roles : await rolesOf(trx, row.id));
    const changed = auditedChange(before, after);
    if (changed) await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.updated', target: row.id, details: changed });
    return after;
  });
}
