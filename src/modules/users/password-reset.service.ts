import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { hashPassword } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from './email.ts';
import { hashEmailToken, isEmailTokenShaped } from './email-tokens.ts';
import { consumeEmailToken, consumeEmailTokensOf, findUsableEmailToken } from './email-tokens.repository.ts';
import { replacePassword } from './users.repository.ts';
import { activeAccountNamed, type AccountName } from './named-account.ts';
import { checkPassword } from './users.service.ts';
import { invalidLink, mailAccountLink, type AccountMail, type SentLink } from './account-mail.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { countMailRequest } from './mail-throttle.ts';
import { deleteAccountPayloads } from './user-sessions.repository.ts';

/**
 * Forgot password → a `reset_password` link (30 minutes, once) → a new password, which signs the
 * account out everywhere: every session, grant, code and refresh token of the account goes in
 * the transaction that stores the new hash, so the old password and whatever was obtained with
 * it stop working together.
 */

export interface ResetRequest {
  email: unknown;
  loginKeys: TenantLoginKeys;
  mail: AccountMail;
}

/**
 * "Forgot password?": mails a reset link when an active account has the address, and does the
 * same work when none has (the same statements, nothing stored; the same announcement), so
 * neither the answer nor its timing tells whether the address has an account. Counted against
 * the mail limits by address and IP (mail-throttle.ts), known address or not.
 */
export async function requestPasswordReset(scope: TenantScope, request: ResetRequest, actor: Actor & { ip: string }): Promise<void> {
  const email = normalizeEmail(request.email);
  await countMailRequest(scope.db, request.loginKeys, { email, ip: actor.ip });
  await scope.db.transaction().execute(async (trx) => {
    const sent = await mailAccountLink(trx, scope, request.mail, { purpose: 'reset_password', email, account: { email } });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.password_reset_requested', target: sent.userId ?? null });
  });
  await request.mail.announce();
}

/**
 * An operator's reset link for an account (`tansu user send-reset`, the admin API's
 * `POST /users/<id>/password-reset`): says when there is no such account or it is disabled.
 */
export async function sendPasswordReset(scope: TenantScope, input: AccountName & { mail: AccountMail }, actor: Actor): Promise<SentLink> {
  const user = await activeAccountNamed(scope.db, input);
  const sent = await scope.db.transaction().execute(async (trx) => {
    const mailed = await mailAccountLink(trx, scope, input.mail, { purpose: 'reset_password', email: user.email, account: { userId: user.id } });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.password_reset_sent', target: user.id });
    return mailed;
  });
  await input.mail.announce();
  return { user_id: user.id, email: user.email, mail_id: sent.mailId!, expires_at: sent.expiresAt!.toISOString() };
}

/** The address a reset link is for, without using it; undefined when the link is no good. */
export async function peekResetLink(scope: TenantScope, token: unknown): Promise<{ email: string } | undefined> {
  if (!isEmailTokenShaped(token)) return undefined;
  const row = await findUsableEmailToken(scope.db, hashEmailToken(scope.id, 'reset_password', token), 'reset_password');
  return row && { email: row.email };
}

/**
 * Sets the new password with a reset link. The password is judged (weak_password leaves the link
 * usable) and hashed before the transaction, which then uses the link with one conditional
 * UPDATE: of two requests with one link exactly one gets through, the other `invalid_link`.
 * In the same transaction: the new hash, every other reset link of the account used up, and every
 * session, grant and token of the account deleted.
 */
export async function resetPassword(scope: TenantScope, input: { token: unknown; password: unknown }, actor: Actor): Promise<{ email: string }> {
  if (!isEmailTokenShaped(input.token)) throw invalidLink();
  const tokenHash = hashEmailToken(scope.id, 'reset_password', input.token);
  const link = await findUsableEmailToken(scope.db, tokenHash, 'reset_password');
  if (!link) throw invalidLink();
  const password = checkPassword(input.password, link.email);
  const passwordHash = await hashPassword(password);
  return scope.db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, tokenHash, 'reset_password');
    if (!used) throw invalidLink();
    if (!(await replacePassword(trx, used.user_id, passwordHash, used.email))) throw invalidLink();
    await consumeEmailTokensOf(trx, used.user_id, 'reset_password');
    const revoked = await deleteAccountPayloads(trx, used.user_id);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.password_reset', target: used.user_id, details: { revoked } });
    return { email: used.email };
  });
}
