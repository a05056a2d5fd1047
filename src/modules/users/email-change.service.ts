import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { queueMailForUser } from '../mail/mail.service.ts';
import { normalizeEmail } from './email.ts';
import { hashEmailToken, isEmailTokenShaped } from './email-tokens.ts';
import { consumeEmailToken, consumeEmailTokensOf, findUsableEmailToken } from './email-tokens.repository.ts';
import { findUserByEmail, updateProfile } from './users.repository.ts';
import { invalidLink, mailAccountLink, NO_USER_ID, type AccountMail } from './account-mail.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { countMailRequest } from './mail-throttle.ts';
import { requireCurrentPassword } from './current-password.ts';
import { auditedChange } from './user-audit.ts';
import { summarizeUser } from './user-summary.ts';
import { getUser, lockedUser } from './users.service.ts';

/**
 * A signed-in user moving their account to another address (the account page): a `change_email`
 * link goes to the NEW address, and the account's address (its login) changes only when that
 * link is used, verified by that use. Until then nothing changes. An address another account
 * has gets the same answer and the same work, and no link: the page cannot be used to find out
 * who has an account. The old address is told once the change is done.
 */

export interface EmailChangeRequest {
  userId: string;
  newEmail: unknown;
  /** Needed unless the user signed in moments ago (`recentSignIn`); checked whenever given. */
  currentPassword: unknown;
  recentSignIn: boolean;
  loginKeys: TenantLoginKeys;
  mail: AccountMail;
  ip: string;
}

/**
 * Mails the confirmation link to the new address. Refused: the address the account already has
 * (`same_email`), a wrong current password, past the mail limits (`throttled`, counted by the
 * new address and the IP like every mail sent on request). A new request voids the account's
 * earlier pending ones, so only the latest address can be confirmed.
 */
export async function requestEmailChange(scope: TenantScope, request: EmailChangeRequest, actor: Actor): Promise<{ email: string }> {
  const email = normalizeEmail(request.newEmail);
  const user = await getUser(scope, request.userId);
  if (email === user.email) throw new AppError('same_email', 'that is already the address of the account');
  // A password typed is always checked; an empty one is enough only right after a sign-in.
  const passwordGiven = typeof request.currentPassword === 'string' && request.currentPassword !== '';
  if (passwordGiven || !request.recentSignIn) {
    await requireCurrentPassword(scope, { user, password: request.currentPassword, loginKeys: request.loginKeys, ip: request.ip });
  }
  await countMailRequest(scope.db, request.loginKeys, { email, ip: request.ip });
  await scope.db.transaction().execute(async (trx) => {
    const taken = await findUserByEmail(trx, email);
    await consumeEmailTokensOf(trx, user.id, 'change_email');
    // A taken address: the same statements for an account nobody has, so nothing is stored or sent.
    const account = { userId: taken ? NO_USER_ID : user.id };
    await mailAccountLink(trx, scope, request.mail, { purpose: 'change_email', email, account });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.email_change_requested', target: user.id });
  });
  await request.mail.announce();
  return { email };
}

/** The new address a change link is for, without using it; undefined when the link is no good. */
export async function peekEmailChangeLink(scope: TenantScope, token: unknown): Promise<{ email: string } | undefined> {
  if (!isEmailTokenShaped(token)) return undefined;
  const row = await findUsableEmailToken(scope.db, hashEmailToken(scope.id, 'change_email', token), 'change_email');
  return row && { email: row.email };
}

export interface EmailChanged {
  email: string;
  previousEmail: string;
}

/**
 * Uses a change link, once: the account's address becomes the link's, verified. In the same
 * transaction the account's other pending links die (change, reset and verification links
 * mailed to the address it left must not reach it any more) and the old address is mailed a
 * notice. `invalid_link` for a link that is unknown, used, expired or another tenant's, for an
 * account that is no longer active, and for an address another account took meanwhile (the
 * link then stays unused).
 */
export async function confirmEmailChange(
  scope: TenantScope,
  input: { token: unknown; mail: AccountMail },
  actor: Actor,
): Promise<EmailChanged> {
  if (!isEmailTokenShaped(input.token)) throw invalidLink();
  const token = input.token;
  const changed = await scope.db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, hashEmailToken(scope.id, 'change_email', token), 'change_email');
    if (!used) throw invalidLink();
    const { row, user: before } = await lockedUser(trx, used.user_id);
    if (row.status !== 'active') throw invalidLink();
    const updated = await updateProfile(trx, row.id, { email: used.email, email_verified: true });
    if (!updated) throw invalidLink();
    for (const purpose of ['change_email', 'reset_password', 'verify_email'] as const) await consumeEmailTokensOf(trx, row.id, purpose);
    const change = auditedChange(before, summarizeUser(updated, before.roles));
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.email_changed', target: row.id, details: change });
    const variables = { tenant_name: input.mail.tenantName, email: row.email, link: `${scope.issuer}/account`, expires_in: '' };
    await queueMailForUser(trx, { template: 'email_changed', to: row.email, variables, issuer: scope.issuer }, row.id);
    return { email: updated.email, previousEmail: row.email };
  });
  await input.mail.announce();
  return changed;
}
