import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { hashPassword } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readTenantSettings } from '../settings/settings.service.ts';
import { normalizeEmail } from './email.ts';
import { grantRoles, insertUserIfNew } from './users.repository.ts';
import { checkDisplayName, checkPassword } from './users.service.ts';
import { redeemInvitation } from './invitations.service.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { failuresFromIp, identifierHash, secondsUntil, signupsFromIp, throttleState } from './login-throttle.ts';
import { recordAttempt, settleAttempt } from './login-attempts.repository.ts';
import { NO_USER_ID, type AccountMail } from './account-mail.ts';
import { queueVerificationMail } from './email-verification.service.ts';

export interface SignupRequest {
  email: unknown;
  password: unknown;
  name?: unknown;
  invitation?: unknown;
  /** The tenant's sign-in keys (login-keys.ts): attempts are counted by a keyed digest of the email. */
  loginKeys: TenantLoginKeys;
  /** Where the verification mail of a new account goes (account-mail.ts). */
  mail: AccountMail;
}

export const signupDisabled = () => new AppError('signup_disabled', 'self-service signup is disabled for this tenant', 403);
const invalidInvitation = () => new AppError('invalid_invitation', 'the invitation is unknown, used, expired or for another email address', 400);

/**
 * Self-service signup, as the tenant's `signup` setting allows. It never says whether the email
 * already has an account: a new address gets its account, a taken one is left untouched (and the
 * attempt audited), and both get the same answer after the same work: one argon2 hash and the
 * same statements (the attempt is settled in both cases). The caller then signs in; only the
 * account's owner knows a password that works. A new account without an invitation is mailed a
 * link to confirm its address (email-verification.service.ts). The actor is anonymous; its
 * address is what the limits count by.
 */
export async function signUp(scope: TenantScope, request: SignupRequest, actor: Actor & { ip: string }): Promise<void> {
  const { db } = scope;
  const { ip } = actor;
  const { signup } = await readTenantSettings(scope);
  if (signup === 'disabled') throw signupDisabled();

  const email = normalizeEmail(request.email);
  const password = checkPassword(request.password, email);
  const name = checkDisplayName(request.name);
  if (request.invitation !== undefined && typeof request.invitation !== 'string') {
    throw new AppError('invalid_request', 'invitation must be a string');
  }
  const invitation = request.invitation;
  if (signup === 'invite' && !invitation) throw new AppError('invitation_required', 'signing up at this tenant needs an invitation', 400);

  const attemptId = await recordAttempt(db, { identifierHash: identifierHash(request.loginKeys, email), ip, reason: 'signup' });
  const { until } = await throttleState(db, [signupsFromIp(ip, attemptId), failuresFromIp(ip, attemptId)]);
  if (until) {
    await settleAttempt(db, attemptId, 'throttled');
    const retryAfterSeconds = secondsUntil(until);
    throw new AppError('throttled', `too many attempts; retry in ${retryAfterSeconds} seconds`, 429, { retryAfterSeconds });
  }

  const passwordHash = await hashPassword(password);
  let userId: string | undefined;
  try {
    userId = await db.transaction().execute(async (trx) => {
      const redeemed = invitation ? await redeemInvitation(trx, invitation, email) : undefined;
      if (invitation && !redeemed) throw invalidInvitation();
      const user = await insertUserIfNew(trx, { email, passwordHash, name, emailVerified: redeemed !== undefined });
      if (user) {
        await grantRoles(trx, user.id, redeemed?.role_names ?? []);
        await recordAuditEvent(trx, {
          actor: actorText(actor),
          action: 'user.signed_up',
          target: user.id,
          ip,
          details: { invitation: redeemed?.id ?? null },
        });
      } else {
        await recordAuditEvent(trx, { actor: actorText(actor), action: 'user.signup_for_existing_email', ip });
      }
      // An invitation proved the address. Otherwise a link to confirm it: for a taken address the
      // same statements run and store nothing (the existing account's owner gets no mail).
      if (!redeemed) await queueVerificationMail(trx, scope, request.mail, { userId: user?.id ?? NO_USER_ID, email });
      return user?.id;
    });
  } catch (error) {
    await settleAttempt(db, attemptId, 'signup_rejected');
    throw error;
  }
  await settleAttempt(db, attemptId, 'signup', userId ?? null);
  if (!invitation) await request.mail.announce();
}
