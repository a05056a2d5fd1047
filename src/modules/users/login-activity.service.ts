import type { TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { timeRangeOf, type TimeRangeInput } from '../audit/time-range.ts';
import { ATTEMPT_REASONS, listLoginAttempts, type AttemptReason, type AttemptRow } from './login-attempts.repository.ts';
import { submittedIdentifierHash } from './login-throttle.ts';
import type { TenantLoginKeys } from './login-keys.ts';

export { ATTEMPT_REASONS as LOGIN_OUTCOMES };

/**
 * A sign-in or signup attempt as it leaves the process. The email typed is not stored (only its
 * keyed digest), so an attempt for an unknown address shows no account; `outcome` is how the
 * attempt ended (`pending` while its password is checked, or when the process died meanwhile).
 */
export interface LoginActivityView {
  id: string;
  occurred_at: string;
  user_id: string | null;
  ip: string;
  outcome: AttemptReason;
  succeeded: boolean;
  known_device: boolean;
  /** The upstream connection a sign-in came through (modules/connections/); null for the password. */
  connection: string | null;
}

function loginActivityView(row: AttemptRow): LoginActivityView {
  return {
    id: row.id,
    occurred_at: row.occurred_at.toISOString(),
    user_id: row.user_id,
    ip: row.ip,
    outcome: (row.reason ?? 'pending') as AttemptReason,
    succeeded: row.succeeded,
    known_device: row.known_device,
    connection: row.connection,
  };
}

export interface LoginActivityQuery extends TimeRangeInput {
  userId?: string;
  /** Attempts made with this address typed in, known account or not (found by its digest). */
  email?: string;
  outcome?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant's sign-in activity, newest first, a page at a time; `keys` digest an email asked for. */
export async function listLoginActivity(scope: TenantScope, keys: TenantLoginKeys, query: LoginActivityQuery, page: PageRequest): Promise<Page<LoginActivityView>> {
  if (query.userId !== undefined && !UUID.test(query.userId)) throw new AppError('invalid_filter', 'user_id must be a user id (a UUID)');
  if (query.outcome !== undefined && !(ATTEMPT_REASONS as readonly string[]).includes(query.outcome)) {
    throw new AppError('invalid_filter', `outcome must be one of ${ATTEMPT_REASONS.join(', ')}`);
  }
  const filter = {
    userId: query.userId?.toLowerCase(),
    identifierHash: query.email === undefined ? undefined : submittedIdentifierHash(keys, query.email),
    reason: query.outcome as AttemptReason | undefined,
    ...timeRangeOf(query),
  };
  return mapPage(await listLoginAttempts(scope.db, filter, page), loginActivityView);
}
