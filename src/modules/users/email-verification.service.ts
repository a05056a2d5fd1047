import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from './email.ts';
import { hashEmailToken, isEmailTokenShaped } from './email-tokens.ts';
import { consumeEmailToken, consumeEmailTokensOf, findUsableEmailToken } from './email-tokens.repository.ts';
import { markEmailVerified } from './users.repository.ts';
import { activeAccountNamed, type AccountName } from './named-account.ts';
import { invalidLink, mailAccountLink, type AccountMail, type MailedLink, type SentLink } from './account-mail.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { countMailRequest } from './mail-throttle.ts';

/**
 * Confirming that an account's address is its owner's: a `verify_email` link mailed at signup
 * (signup.service.ts), on request (a new link, rate limited), or by an operator, and opened at
 * `/t/<id>/verify-email`. Opening the link only shows a page; the page's button confirms, so a
 * mail scanner that follows links uses nothing.
 */

/**
 * Queues the verification mail for an account in the caller's transaction (signup's; an email
 * change is to call it with the new address). `account.userId` may name nobody: the same
 * statements then store nothing.
 */
export function queueVerificationMail(trx: TenantDb, scope: TenantScope, mail: AccountMail, account: { userId: string; email: string }): Promise<MailedLink> {
  return mailAccountLink(trx, scope, mail, { purpose: 'verify_email', email: account.email, account: { userId: account.userId } });
}

export interface VerificationRequest {
  email: unknown;
  loginKeys: TenantLoginKeys;
  mail: AccountMail;
}

/**
 * A new verification link for whoever asks with an address: sent only when an active account
 * with that address is unconfirmed, answered and worked the same either way (the caller shows
 * one page), and counted against the mail limits (mail-throttle.ts) by address and IP.
 */
export async function requestVerificationMail(scope: TenantScope, request: VerificationRequest, actor: Actor & { ip: string }): Promise<void> {
  const email = normalizeEmail(request.email);
  await countMailRequest(scope.db, request.loginKeys, { email, ip: actor.ip });
  await scope.db.transaction().execute(async (trx) => {
    const sent = await mailAccountLink(trx, scope, request.mail, { purpose: 'verify_email', email, account: { email, unverifiedOnly: true } });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.verification_requested', target: sent.userId ?? null });
  });
  await request.mail.announce();
}

/**
 * An operator's new verification link for an account (`tansu user resend-verification`, the admin
 * API's `POST /users/<id>/verification-email`): says when there is no such account, it is
 * disabled, or its address is confirmed already.
 */
export async function sendVerificationMail(scope: TenantScope, input: AccountName & { mail: AccountMail }, actor: Actor): Promise<SentLink> {
  const user = await activeAccountNamed(scope.db, input);
  if (user.email_verified) throw new AppError('email_already_verified', `the address of "${user.email}" is already confirmed`, 409);
  const sent = await scope.db.transaction().execute(async (trx) => {
    const mailed = await queueVerificationMail(trx, scope, input.mail, { userId: user.id, email: user.email });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.verification_sent', target: user.id });
    return mailed;
  });
  await input.mail.announce();
  return { user_id: user.id, email: user.email, mail_id: sent.mailId!, expires_at: sent.expiresAt!.toISOString() };
}

/** The address a verification link would confirm, without using the link; undefined when it is no good. */
export async function peekVerificationLink(scope: TenantScope, token: unknown): Promise<{ email: string } | undefined> {
  if (!isEmailTokenShaped(token)) return undefined;
  const row = await findUsableEmailToken(scope.db, hashEmailToken(scope.id, 'verify_email', token), 'verify_email');
  return row && { email: row.email };
}

/**
 * Uses a verification link: the account's address is confirmed, once. `invalid_link` for a link
 * that is unknown, used, expired, another tenant's, or for an address the account no longer has.
 */
export async function verifyEmail(scope: TenantScope, input: { token: unknown }, actor: Actor): Promise<{ email: string }> {
  if (!isEmailTokenShaped(input.token)) throw invalidLink();
  const token = input.token;
  return scope.db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, hashEmailToken(scope.id, 'verify_email', token), 'verify_email');
    if (!used) throw invalidLink();
    // Rolled back with the consumption: the link stays as it was, though it can never work.
    if (!(await markEmailVerified(trx, used.user_id, used.email))) throw invalidLink();
    await consumeEmailTokensOf(trx, used.user_id, 'verify_email');
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.email_verified', target: used.user_id });
    return { email: used.email };
  });
}
