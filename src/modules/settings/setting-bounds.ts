/**
 * What a tenant admin may set, and within which bounds; apart from the service so the CLI's help
 * and the API's schemas can name the bounds without loading the database layer.
 */
export interface Bound {
  /** The field as callers name it (API and JSON), inside its group. */
  readonly field: string;
  /** The stable error code of a value outside the bounds: it names the field. */
  readonly code: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Token lifetimes in seconds. Lower bounds keep a client from being sent back to the token
 * endpoint every minute; upper bounds keep a stolen token from being useful for long: an access
 * or ID token cannot be revoked where it is checked, so it lives a day at most, and a refresh
 * token chain or a session, which can be revoked, at most a quarter.
 */
export const TOKEN_LIFETIME_BOUNDS = Object.freeze({
  /** Access tokens not issued for one of the tenant's APIs (userinfo, client credentials without an API); each API sets its own. */
  accessToken: { field: 'access_token', code: 'invalid_access_token_lifetime', min: 5 * MINUTE, max: DAY, default: HOUR },
  idToken: { field: 'id_token', code: 'invalid_id_token_lifetime', min: 5 * MINUTE, max: DAY, default: HOUR },
  /** The absolute lifetime of a refresh token chain: rotating the token never extends it. */
  refreshToken: { field: 'refresh_token', code: 'invalid_refresh_token_lifetime', min: HOUR, max: 90 * DAY, default: 14 * DAY },
  /** How long a sign-in at the tenant's login page is remembered by the browser. */
  session: { field: 'session', code: 'invalid_session_lifetime', min: HOUR, max: 90 * DAY, default: 14 * DAY },
} satisfies Record<string, Bound>);

/**
 * Days of history kept. The audit log keeps at least a month, so an admin (or a stolen admin
 * token) cannot make the log forget what was just done by shortening it: the change of retention
 * is itself an event of that month. Sign-in activity holds addresses people signed in from, so it
 * is kept a year at most; a day is enough for the throttle, which looks back 15 minutes.
 */
export const RETENTION_BOUNDS = Object.freeze({
  auditEvents: { field: 'audit_events', code: 'invalid_audit_events_retention', min: 30, max: 3650, default: 365 },
  loginActivity: { field: 'login_activity', code: 'invalid_login_activity_retention', min: 1, max: 365, default: 90 },
} satisfies Record<string, Bound>);

export type TokenLifetimes = { -readonly [Name in keyof typeof TOKEN_LIFETIME_BOUNDS]: number };
export type RetentionDays = { -readonly [Name in keyof typeof RETENTION_BOUNDS]: number };

export function defaultsOf<Name extends string>(bounds: Readonly<Record<Name, Bound>>): Record<Name, number> {
  return Object.fromEntries(Object.entries<Bound>(bounds).map(([name, bound]) => [name, bound.default])) as Record<Name, number>;
}

/** `5 min`, `24 h`, `90 days`: a bound as a person reads it. */
export function describeSeconds(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY} day${seconds === DAY ? '' : 's'}`;
  if (seconds % HOUR === 0) return `${seconds / HOUR} h`;
  if (seconds % MINUTE === 0) return `${seconds / MINUTE} min`;
  return `${seconds} s`;
}
