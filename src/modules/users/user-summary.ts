import type { UserRow } from './users.repository.ts';

/** What callers (CLI, APIs) see of a user: never the password hash. */
export interface UserSummary {
  id: string;
  email: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  emailVerified: boolean;
  status: 'active' | 'disabled';
  roles: string[];
  /** Set while failed sign-ins keep the account refused (see login-throttle.ts). */
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

export function summarizeUser(row: UserRow, roles: string[]): UserSummary {
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  const lockedUntil = row.locked_until && new Date(row.locked_until) > new Date() ? iso(row.locked_until) : null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    givenName: row.given_name,
    familyName: row.family_name,
    emailVerified: row.email_verified,
    status: row.status,
    roles,
    lockedUntil,
    lastLoginAt: iso(row.last_login_at),
    createdAt: iso(row.created_at)!,
  };
}
