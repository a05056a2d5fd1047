import { AppError } from '../../errors.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { authenticatePassword } from './authenticate.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import type { UserRow } from './users.repository.ts';

export interface CurrentPasswordCheck {
  user: Pick<UserRow, 'id' | 'email'>;
  password: unknown;
  loginKeys: TenantLoginKeys;
  ip: string;
}

export const wrongCurrentPassword = () => new AppError('invalid_password', 'the current password is not right', 400);

/**
 * A signed-in user proving the password again before a change that needs it (a new password, a
 * new address). It goes through the sign-in's own check and limits (authenticate.ts), so a
 * stolen account-page session cannot guess the password faster than the login page would let it.
 * `invalid_password`, or `throttled` (429, with retryAfterSeconds).
 */
export async function requireCurrentPassword(scope: TenantScope, check: CurrentPasswordCheck): Promise<void> {
  if (typeof check.password !== 'string' || check.password === '') throw wrongCurrentPassword();
  const result = await authenticatePassword(scope.db, check.loginKeys, { email: check.user.email, password: check.password, ip: check.ip });
  if (result.ok && result.user.id === check.user.id) return;
  if (!result.ok && result.reason === 'throttled') {
    throw new AppError('throttled', `too many attempts; retry in ${result.retryAfterSeconds} seconds`, 429, { retryAfterSeconds: result.retryAfterSeconds });
  }
  throw wrongCurrentPassword();
}
