import type { Platform } from '../../platform/platform.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { MailState } from '../../db/schema.ts';
import { withTenantScope } from '../../platform/tenant-access.ts';
import { parseTenantId } from '../../platform/tenant-id.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from '../users/email.ts';
import { enqueueMail, enqueueMailForUser, findMail, listMail, requeueFailedMail } from './mail-outbox.repository.ts';
import { markTenantMailDue } from './mail-due.repository.ts';
import { checkPlaceholders, effectiveTemplate, renderMail, type MailTemplateName, type MailVariables } from './templates.ts';
import { deleteTemplateOverride, findTemplateOverride, saveTemplateOverride, type TemplateOverride } from './mail-templates.repository.ts';

/**
 * Sending a mail is two steps around the caller's transaction:
 *
 *   const id = await db.transaction().execute(async (trx) => {
 *     …the action (store a reset token, create an invitation)…
 *     return queueMail(trx, { template: 'reset_password', to, variables });
 *   });
 *   await announceMail(platform, tenantId);
 *
 * The first writes the mail into the tenant's outbox with the action; the second tells the
 * senders, after the commit, that this tenant has mail. The announcement never fails the
 * caller: if it is lost (the platform database away for that moment, the process killed right
 * after the commit) the hourly outbox sweep finds the mail (jobs/mail-sender.ts).
 */
export async function queueMail(trx: TenantDb, mail: { template: MailTemplateName; to: string; variables: MailVariables }): Promise<string> {
  // One address: a string with a comma would be a list of recipients to the SMTP library.
  const to = normalizeEmail(mail.to);
  const rendered = await renderMail(trx, mail.template, mail.variables);
  return enqueueMail(trx, { to, ...rendered });
}

/**
 * queueMail for a mail about one account, queued only if the account `userId` exists: the same
 * work (rendering, one INSERT) whether or not it does, for flows that must not reveal whether an
 * address has an account. Undefined when nothing was queued.
 */
export async function queueMailForUser(
  trx: TenantDb,
  mail: { template: MailTemplateName; to: string; variables: MailVariables },
  userId: string,
): Promise<string | undefined> {
  const to = normalizeEmail(mail.to);
  const rendered = await renderMail(trx, mail.template, mail.variables);
  return enqueueMailForUser(trx, { to, ...rendered }, userId);
}

type Listener = () => void;
const listeners = new WeakMap<Platform, Set<Listener>>();

/** The sender of this process wakes on announcements made in this process (other nodes poll). */
export function onMailAnnounced(platform: Platform, listener: Listener): () => void {
  let set = listeners.get(platform);
  if (!set) listeners.set(platform, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells every sender that `tenantId` has mail due now; logs instead of throwing (see queueMail). */
export async function announceMail(platform: Platform, tenantId: string): Promise<void> {
  try {
    await markTenantMailDue(platform.db, tenantId);
  } catch (error) {
    platform.log.warn({ tenant: tenantId, err: (error as Error).message }, 'could not announce queued mail; the outbox sweep will find it');
  }
  for (const listener of listeners.get(platform) ?? []) listener();
}

export function listTenantMail(platform: Platform, tenantId: string, filter: { state?: MailState; limit?: number } = {}) {
  return withTenantScope(platform, tenantId, ({ db }) => listMail(db, { state: filter.state, limit: filter.limit ?? 100 }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `tansu mail retry`: a failed mail goes back to the queue with its attempts counted from zero. */
export async function retryTenantMail(platform: Platform, rawTenantId: string, id: string, actor: string) {
  const tenantId = parseTenantId(rawTenantId);
  if (!UUID.test(id)) throw notFound('mail', id);
  const mail = await withTenantScope(platform, tenantId, ({ db }) =>
    db.transaction().execute(async (trx) => {
      const requeued = await requeueFailedMail(trx, id);
      if (!requeued) {
        const existing = await findMail(trx, id);
        if (!existing) throw notFound('mail', id);
        throw new AppError('mail_not_failed', `mail "${id}" is ${existing.state}; only a failed mail can be retried`, 409);
      }
      await recordAuditEvent(trx, { actor, action: 'mail.retried', target: id });
      return requeued;
    }),
  );
  await announceMail(platform, tenantId);
  return { id: mail.id, to_address: mail.to_address, template: mail.template, state: mail.state, next_attempt_at: mail.next_attempt_at };
}

export interface TemplateView {
  name: MailTemplateName;
  subject: string;
  text: string;
  html: string;
  /** The parts the tenant has replaced; the others are the built-in ones. */
  overridden: Array<'subject' | 'text' | 'html'>;
}

function viewOf(name: MailTemplateName, override: TemplateOverride | undefined): TemplateView {
  const overridden = (['subject', 'text', 'html'] as const).filter((part) => (part === 'subject' ? override?.subject : override?.[`${part}_body`]) != null);
  return { name, ...effectiveTemplate(name, override), overridden };
}

export async function readMailTemplate(db: TenantDb, name: MailTemplateName): Promise<TemplateView> {
  return viewOf(name, await findTemplateOverride(db, name));
}

/**
 * Replaces parts of a template for this tenant (`''` puts a part back to the built-in one).
 * Placeholders are checked now, so a typo is an error here rather than a broken mail later.
 */
export async function saveMailTemplate(
  db: TenantDb,
  name: MailTemplateName,
  parts: { subject?: string; text?: string; html?: string },
  actor: string,
): Promise<TemplateView> {
  for (const [part, value] of Object.entries(parts)) if (value) checkPlaceholders(value, `the ${part} part`);
  if (parts.subject && /[\r\n]/.test(parts.subject)) throw new AppError('invalid_template', 'the subject is one line');
  const blankIsDefault = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);
  return db.transaction().execute(async (trx) => {
    const saved = await saveTemplateOverride(trx, name, {
      subject: blankIsDefault(parts.subject),
      text_body: blankIsDefault(parts.text),
      html_body: blankIsDefault(parts.html),
    });
    await recordAuditEvent(trx, { actor, action: 'mail.template_updated', target: name, details: { parts: Object.keys(parts).filter((part) => parts[part as keyof typeof parts] !== undefined) } });
    return viewOf(name, saved);
  });
}

/** Back to the built-in template. */
export async function resetMailTemplate(db: TenantDb, name: MailTemplateName, actor: string): Promise<TemplateView> {
  await db.transaction().execute(async (trx) => {
    if (await deleteTemplateOverride(trx, name)) await recordAuditEvent(trx, { actor, action: 'mail.template_reset', target: name });
  });
  return viewOf(name, undefined);
}
