import type { MailState } from '../../db/schema.ts';
import type { Page, PageRequest } from '../../db/page.ts';
import { mapPage } from '../../db/page.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from '../users/email.ts';
import { findMail, listMail, requeueFailedMail, type ListedMail } from './mail-outbox.repository.ts';

/**
 * The outbox as operators read it (`tansu mail list|retry` and the tenant admin API's `/mail`):
 * who a mail went to, from which template, in what state, how often it was tried and the SMTP
 * server's last word. Never its bodies: a queued or failed mail still carries a live single-use
 * link, and reading the outbox must not be a way to take over an account.
 */
export interface MailView {
  id: string;
  to_address: string;
  template: string;
  subject: string;
  state: MailState;
  attempts: number;
  /** Queued: not before then; sending: when the sender's lease ends. */
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export function mailView(mail: ListedMail): MailView {
  return {
    id: mail.id,
    to_address: mail.to_address,
    template: mail.template,
    subject: mail.subject,
    state: mail.state,
    attempts: mail.attempts,
    next_attempt_at: mail.next_attempt_at.toISOString(),
    last_error: mail.last_error,
    created_at: mail.created_at.toISOString(),
    sent_at: mail.sent_at?.toISOString() ?? null,
  };
}

export interface OutboxFilter {
  state?: MailState;
  /** Only mail to this address (compared as stored: normalized). */
  to?: string;
}

/** A page of the tenant's outbox, newest first. */
export async function listOutbox(scope: TenantScope, filter: OutboxFilter, page: PageRequest): Promise<Page<MailView>> {
  const to = filter.to === undefined ? undefined : normalizeEmail(filter.to);
  return mapPage(await listMail(scope.db, { state: filter.state, to }, page), mailView);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RetryMail {
  mailId: string;
  /** After the commit: tells the senders this tenant has mail (announceMail; never throws). */
  announce(): Promise<void>;
}

/**
 * A failed mail back in the queue with its attempts counted from zero; any other state is
 * `mail_not_failed` (409), since a queued or sent mail would go out twice. Audited with what the
 * mail had been (its attempts and last error) and what it is now.
 */
export async function retryMail(scope: TenantScope, input: RetryMail, actor: Actor): Promise<MailView> {
  const { mailId } = input;
  if (!UUID.test(mailId)) throw notFound('mail', mailId);
  const requeued = await scope.db.transaction().execute(async (trx) => {
    const before = await findMail(trx, mailId);
    if (!before) throw notFound('mail', mailId);
    const after = await requeueFailedMail(trx, mailId);
    if (!after) throw new AppError('mail_not_failed', `mail "${mailId}" is ${before.state}; only a failed mail can be retried`, 409, { state: before.state });
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip ?? null,
      action: 'mail.retried',
      target: mailId,
      details: {
        before: { state: before.state, attempts: before.attempts, last_error: before.last_error },
        after: { state: after.state, attempts: after.attempts },
      },
    });
    return after;
  });
  await input.announce();
  return mailView(requeued);
}
