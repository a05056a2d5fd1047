import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from './email.ts';
import { canonicalText } from './user-text.ts';
import { grantRoles, insertUserIfNew, listUsers as listUserRows, type UserRow } from './users.repository.ts';

/** What callers (CLI, APIs) see of a user: never the password hash. */
export interface UserSummary {
  id: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  status: 'active' | 'disabled';
  roles: string[];
  /** Set while failed sign-ins keep the account refused (see login-throttle.ts). */
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

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

export function summarizeUser(row: UserRow, roles: string[]): UserSummary {
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  const lockedUntil = row.locked_until && new Date(row.locked_until) > new Date() ? iso(row.locked_until) : null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified,
    status: row.status,
    roles,
    lockedUntil,
    lastLoginAt: iso(row.last_login_at),
    createdAt: iso(row.created_at)!,
  };
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
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.created', target: row.id, details: { roles } });
    return row;
  });
  return { user: summarizeUser(user, roles), ...(input.password === undefined ? { generatedPassword: password } : {}) };
}

/** A page of the tenant's users, by email. */
export async function listUsers(scope: TenantScope, page: PageRequest): Promise<Page<UserSummary>> {
  return mapPage(await listUserRows(scope.db, page), (row) => summarizeUser(row, row.roles));
}
