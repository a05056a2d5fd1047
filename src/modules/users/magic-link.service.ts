import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { queueMailForUser } from '../mail/mail.service.ts';
import { readTenantSettings } from '../settings/settings.service.ts';
import { normalizeEmail } from './email.ts';
import { EMAIL_TOKEN_LIFETIME_SECONDS, generateEmailToken, hashEmailToken, isEmailTokenShaped, lifetimeInWords } from './email-tokens.ts';
import { consumeEmailToken, findUsableEmailToken, insertEmailToken } from './email-tokens.repository.ts';
import { invalidLink, NO_USER_ID, type AccountMail } from './account-mail.ts';
import { recordAttempt, settleSignIn } from './login-attempts.repository.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { submittedIdentifierHash } from './login-throttle.ts';
import { countMailRequest } from './mail-throttle.ts';
import { findUserById, markEmailVerified } from './users.repository.ts';

/**
 * Passwordless sign-in by mail: the login page asks for an address, a `magic_link` link (15
 * minutes, once) goes to it, and opening it finishes that same sign-in. The token's digest covers
 * the interaction uid besides the tenant and purpose (email-tokens.ts), so a link answers only
 * the sign-in that asked for it; the route adds that the interaction must be this browser's (its
 * cookie), so a link opened on another device, forwarded or fetched by a mail scanner signs no
 * one in and is not used up.
 */

export const magicLinksDisabled = () => new AppError('magic_links_disabled', 'this tenant does not offer sign-in links by mail', 403);

async function requireMagicLinks(scope: TenantScope): Promise<void> {
  if (!(await readTenantSettings(scope)).magicLinks) throw magicLinksDisabled();
}

export interface MagicLinkRequest {
  email: unknown;
  /** The uid of the sign-in (interaction) the link is to finish. */
  interaction: string;
  /** The link's URL for a token: a page of that interaction (routes/interactions/). */
  linkTo(token: string): string;
  loginKeys: TenantLoginKeys;
  mail: AccountMail;
}

/**
 * Mails a sign-in link when an active account has the address, and does the same work when none
 * has (the same statements, nothing stored or queued), so the page that answers cannot tell
 * whether the address has an account. Counted against the mail limits (mail-throttle.ts) by
 * address and IP, known address or not.
 */
export async function requestMagicLink(scope: TenantScope, request: MagicLinkRequest, actor: Actor & { ip: string }): Promise<void> {
  await requireMagicLinks(scope);
  const email = normalizeEmail(request.email);
  await countMailRequest(scope.db, request.loginKeys, { email, ip: actor.ip });
  const token = generateEmailToken();
  const tokenHash = hashEmailToken(scope.id, 'magic_link', token, request.interaction);
  await scope.db.transaction().execute(async (trx) => {
    const stored = await insertEmailToken(trx, { tokenHash, purpose: 'magic_link', email, lifetimeSeconds: EMAIL_TOKEN_LIFETIME_SECONDS.magic_link }, { email });
    const variables = { tenant_name: request.mail.tenantName, email, link: request.linkTo(token), expires_in: lifetimeInWords('magic_link') };
    await queueMailForUser(trx, { template: 'magic_link', to: email, variables, issuer: scope.issuer }, stored?.user_id ?? NO_USER_ID);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.magic_link_requested', target: stored?.user_id ?? null });
  });
  await request.mail.announce();
}

export interface MagicLinkUse {
  token: unknown;
  /** The interaction the link was opened in: it works only in the one it was made for. */
  interaction: string;
  loginKeys: TenantLoginKeys;
}

/** Whether the link could still be used in its own interaction: to tell "wrong browser" from "used or expired". */
export async function magicLinkWaiting(scope: TenantScope, link: Omit<MagicLinkUse, 'loginKeys'>): Promise<boolean> {
  if (!isEmailTokenShaped(link.token)) return false;
  return (await findUsableEmailToken(scope.db, hashEmailToken(scope.id, 'magic_link', link.token, link.interaction), 'magic_link')) !== undefined;
}

/**
 * Uses a sign-in link, once: one conditional UPDATE takes it (of two requests exactly one
 * succeeds), and in the same transaction the sign-in is recorded in the login activity as a
 * password sign-in is (the account's failure counters cleared, `last_login_at` set) and audited.
 * Returns the account to sign in. `invalid_link` for a link that is unknown, used, expired, of
 * another tenant or interaction, or for an address the account no longer has; `user_disabled`
 * for an account disabled since the mail went out (nothing is used then).
 *
 * The link proves the mailbox exactly as a confirmation link does (it went to the address and
 * came back in the browser that asked), so an unconfirmed address counts as confirmed from here
 * on, and a tenant that requires confirmed addresses has nothing to refuse.
 */
export async function useMagicLink(scope: TenantScope, link: MagicLinkUse, actor: Actor & { ip: string }): Promise<{ userId: string }> {
  if (!isEmailTokenShaped(link.token)) throw invalidLink();
  await requireMagicLinks(scope);
  const tokenHash = hashEmailToken(scope.id, 'magic_link', link.token, link.interaction);
  return scope.db.transaction().execute(async (trx) => {
    const used = await consumeEmailToken(trx, tokenHash, 'magic_link');
    if (!used) throw invalidLink();
    // A refusal below rolls the consumption back with everything else.
    const user = await findUserById(trx, used.user_id);
    if (!user || user.email !== used.email) throw invalidLink();
    if (user.status !== 'active') throw new AppError('user_disabled', 'this account is disabled', 403);
    const confirmed = !user.email_verified && (await markEmailVerified(trx, user.id, used.email));
    const attemptId = await recordAttempt(trx, { identifierHash: submittedIdentifierHash(link.loginKeys, used.email), ip: actor.ip, reason: 'pending' });
    await settleSignIn(trx, attemptId, user.id, undefined);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.magic_link_used',
      target: user.id,
      details: confirmed ? { email_verified: true } : undefined,
    });
    return { userId: user.id };
  });
}
