import type { Platform } from '../../platform/platform.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError, tenantNotFound } from '../../errors.ts';
import { findTenant } from '../../platform/tenants.repository.ts';
import { announceMail, queueMailForUser } from '../mail/mail.service.ts';
import type { MailTemplateName } from '../mail/mail-names.ts';
import { EMAIL_TOKEN_LIFETIME_SECONDS, generateEmailToken, hashEmailToken, lifetimeInWords, type EmailTokenPurpose } from './email-tokens.ts';
import { insertEmailToken, type TokenAccount } from './email-tokens.repository.ts';

/**
 * Mailing a one-time link about an account (confirm the address, reset the password): the token
 * and its mail are written in the caller's transaction, so the mail exists exactly when the
 * action committed; the senders are told after the commit (`announce`).
 */
export interface AccountMail {
  /** The tenant's display name, for `{{tenant_name}}`. */
  readonly tenantName: string;
  /** After the commit: tells the senders this tenant has mail (announceMail never throws). */
  announce(): Promise<void>;
}

export function accountMail(platform: Platform, tenant: { id: string; displayName: string }): AccountMail {
  return Object.freeze({ tenantName: tenant.displayName, announce: () => announceMail(platform, tenant.id) });
}

/** For callers without a tenant context at hand (the CLI): the display name from the registry. */
export async function accountMailOf(platform: Platform, tenantId: string): Promise<AccountMail> {
  const tenant = await findTenant(platform.db, tenantId);
  if (!tenant) throw tenantNotFound(tenantId);
  return accountMail(platform, { id: tenant.id, displayName: tenant.display_name });
}

/** An id no account has (gen_random_uuid never makes it): the conditional statements then touch no row. */
export const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

/** Which page each link opens, under the tenant's issuer, and which mail carries it. */
const LINKS: Readonly<Record<'verify_email' | 'reset_password' | 'change_email', { page: string; template: MailTemplateName }>> = {
  verify_email: { page: 'verify-email', template: 'verify_email' },
  reset_password: { page: 'reset-password', template: 'reset_password' },
  change_email: { page: 'account/confirm-email', template: 'change_email' },
};

export type LinkPurpose = keyof typeof LINKS;

/** The link a mail carries: the tenant's own page, so it only ever opens at that tenant. */
export function accountLink(scope: Pick<TenantScope, 'issuer'>, purpose: LinkPurpose, token: string): string {
  return `${scope.issuer}/${LINKS[purpose].page}?token=${token}`;
}

/** A link an operator had mailed (`tansu user send-reset`, `resend-verification`), as it leaves the process. */
export interface SentLink {
  user_id: string;
  email: string;
  mail_id: string;
  expires_at: string;
}

export interface MailedLink {
  /** The account the link was made for; undefined when none matched (nothing was stored or queued). */
  userId: string | undefined;
  mailId: string | undefined;
  expiresAt: Date | undefined;
}

/**
 * Stores a fresh token for the account and queues the mail with its link, in `trx`. When no
 * account matches, the same statements run and store nothing: the caller's answer and work are
 * the same either way.
 */
export async function mailAccountLink(
  trx: TenantDb,
  scope: Pick<TenantScope, 'id' | 'issuer'>,
  mail: AccountMail,
  link: { purpose: LinkPurpose; email: string; account: TokenAccount },
): Promise<MailedLink> {
  const purpose: EmailTokenPurpose = link.purpose;
  const token = generateEmailToken();
  const tokenHash = hashEmailToken(scope.id, purpose, token);
  const stored = await insertEmailToken(trx, { tokenHash, purpose, email: link.email, lifetimeSeconds: EMAIL_TOKEN_LIFETIME_SECONDS[purpose] }, link.account);
  const variables = { tenant_name: mail.tenantName, email: link.email, link: accountLink(scope, link.purpose, token), expires_in: lifetimeInWords(purpose) };
  const mailId = await queueMailForUser(trx, { template: LINKS[link.purpose].template, to: link.email, variables, issuer: scope.issuer }, stored?.user_id ?? NO_USER_ID);
  return { userId: stored?.user_id, mailId, expiresAt: stored?.expires_at };
}

/** A link that is not (or no longer) good: unknown, used, expired, another tenant's or another purpose's. */
export const invalidLink = () => new AppError('invalid_link', 'the link is invalid, was already used or has expired', 400);
