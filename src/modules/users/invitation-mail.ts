import type { TenantDb } from '../../db/tenant-database.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { queueMail } from '../mail/mail.service.ts';
import { recentMailTimes } from '../mail/mail-outbox.repository.ts';
import type { AccountMail } from './account-mail.ts';
import { lockInvitationAddress } from './invitations.repository.ts';
import { secondsUntil } from './login-throttle.ts';
import { MAIL_THROTTLE, mailThrottled } from './mail-throttle.ts';

/**
 * The `invitation` mail: a link to the tenant's accept page, queued in the transaction that
 * creates the invitation or gives it a new token, so the mail exists exactly when that committed.
 *
 * Only admins make these mails, so no stranger can aim them at a mailbox; still, a runaway script
 * or a stolen admin token must not turn the tenant into a mail cannon against one address. Like
 * the request-a-link pages (mail-throttle.ts), one address gets at most `maxPerAddress` invitation
 * mails within the window, creations and resends together; the next is refused with `throttled`
 * (429, Retry-After) and its transaction, token included, is rolled back.
 */
export const INVITATION_MAIL_LIMIT = Object.freeze({ windowSeconds: MAIL_THROTTLE.windowSeconds, maxPerAddress: MAIL_THROTTLE.maxPerAddress });

/** The link the mail carries: the accept page of the tenant's own issuer, so it only ever opens there. */
export function invitationLink(scope: Pick<TenantScope, 'issuer'>, token: string): string {
  return `${scope.issuer}/accept-invitation?token=${token}`;
}

const inWords = (days: number) => (days === 1 ? '1 day' : `${days} days`);

/** Checks the limit for the address and queues the mail, in `trx`; returns the mail's id. */
export async function queueInvitationMail(
  trx: TenantDb,
  scope: Pick<TenantScope, 'issuer'>,
  mail: AccountMail,
  invitation: { email: string; token: string; expiresInDays: number },
): Promise<string> {
  await lockInvitationAddress(trx, invitation.email);
  const { windowSeconds, maxPerAddress } = INVITATION_MAIL_LIMIT;
  const sent = await recentMailTimes(trx, { to: invitation.email, template: 'invitation', windowSeconds, limit: maxPerAddress });
  if (sent.length >= maxPerAddress) {
    // The limit lifts when the oldest of the counted mails leaves the window.
    throw mailThrottled(secondsUntil(new Date(sent[sent.length - 1]!.getTime() + windowSeconds * 1000)));
  }
  return queueMail(trx, {
    template: 'invitation',
    to: invitation.email,
    issuer: scope.issuer,
    variables: { tenant_name: mail.tenantName, email: invitation.email, link: invitationLink(scope, invitation.token), expires_in: inWords(invitation.expiresInDays) },
  });
}
