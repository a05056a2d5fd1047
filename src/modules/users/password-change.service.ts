import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { hashPassword } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { consumeEmailTokensOf } from './email-tokens.repository.ts';
import { deleteAccountPayloads } from './user-sessions.repository.ts';
import { setPasswordHash } from './users.repository.ts';
import { revokedSummary } from './user-audit.ts';
import { checkPassword, getUser, lockedUser } from './users.service.ts';
import { requireCurrentPassword } from './current-password.ts';
import type { TenantLoginKeys } from './login-keys.ts';

export interface PasswordChange {
  userId: string;
  /** The provider session the user acts in: it stays signed in, every other one is not. */
  keepSessionId: string;
  currentPassword: unknown;
  newPassword: unknown;
  loginKeys: TenantLoginKeys;
  ip: string;
}

/**
 * A user changing their own password (the account page): the current one first, through the
 * sign-in's limits, then the usual policy. As with a reset, whoever may have known the old
 * password loses what they got with it: every other session, every grant, code and token of the
 * account is deleted in the transaction that stores the new hash, and so are the account's
 * pending reset and address-change links. The session the user acts in stays signed in (they
 * just proved the password); its own codes and tokens go with the rest.
 */
export async function changeOwnPassword(scope: TenantScope, change: PasswordChange, actor: Actor): Promise<void> {
  const user = await getUser(scope, change.userId);
  await requireCurrentPassword(scope, { user, password: change.currentPassword, loginKeys: change.loginKeys, ip: change.ip });
  const password = checkPassword(change.newPassword, user.email);
  const passwordHash = await hashPassword(password);
  await scope.db.transaction().execute(async (trx) => {
    const { user: current } = await lockedUser(trx, user.id);
    // The address may have changed while the hash was made: judged again under the lock (cheap).
    checkPassword(password, current.email);
    await setPasswordHash(trx, current.id, passwordHash);
    const revoked = await deleteAccountPayloads(trx, current.id, { sessionUid: change.keepSessionId });
    await consumeEmailTokensOf(trx, current.id, 'reset_password');
    await consumeEmailTokensOf(trx, current.id, 'change_email');
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.password_changed',
      target: current.id,
      details: { kept_session: change.keepSessionId, revoked: revokedSummary(revoked) },
    });
  });
}
