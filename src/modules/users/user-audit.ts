import type { UserSummary } from './user-summary.ts';
import type { RevokedRows } from './user-sessions.repository.ts';

/**
 * What the audit log keeps of a user in a change's before/after: the profile, state and roles an
 * admin can change, never a password or its hash. Counters that move by themselves (sign-in
 * times, a throttled account's lock) are no admin's change and stay out.
 */
export interface AuditedUser {
  email: string;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  email_verified: boolean;
  status: UserSummary['status'];
  roles: string[];
}

export function auditedUser(user: UserSummary): AuditedUser {
  return {
    email: user.email,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    email_verified: user.emailVerified,
    status: user.status,
    roles: user.roles,
  };
}

/** `{ before, after }` with only the fields that differ; undefined when nothing does. */
export function auditedChange(before: UserSummary, after: UserSummary): { before: Partial<AuditedUser>; after: Partial<AuditedUser> } | undefined {
  const was = auditedUser(before);
  const is = auditedUser(after);
  const keys = (Object.keys(is) as (keyof AuditedUser)[]).filter((key) => JSON.stringify(was[key]) !== JSON.stringify(is[key]));
  if (keys.length === 0) return undefined;
  return { before: Object.fromEntries(keys.map((key) => [key, was[key]])), after: Object.fromEntries(keys.map((key) => [key, is[key]])) };
}

/** Provider rows deleted, by model in snake_case plural (`RefreshToken` → `refresh_tokens`), for the audit log. */
export function revokedSummary(rows: RevokedRows): Record<string, number> {
  return Object.fromEntries(
    Object.entries(rows)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, count]) => [`${model.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase()}s`, count]),
  );
}
