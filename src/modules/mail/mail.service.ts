import type { Platform } from '../../platform/platform.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { normalizeEmail } from '../users/email.ts';
import { enqueueMail, enqueueMailForUser } from './mail-outbox.repository.ts';
import { markTenantMailDue } from './mail-due.repository.ts';
import { renderMail, type MailTemplateName, type MailVariables } from './templates.ts';

/** A mail to queue; `issuer` (the tenant's) lets the built-in templates show the tenant's logo. */
export interface QueuedMail {
  template: MailTemplateName;
  to: string;
  variables: MailVariables;
  issuer?: string;
}

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
export async function queueMail(trx: TenantDb, mail: QueuedMail): Promise<string> {
  // One address: a string with a comma would be a list of recipients to the SMTP library.
  const to = normalizeEmail(mail.to);
  const rendered = await renderMail(trx, mail.template, mail.variables, mail.issuer);
  return enqueueMail(trx, { to, ...rendered });
}

/**
 * queueMail for a mail about one account, queued only if the account `userId` exists: the same
 * work (rendering, one INSERT) whether or not it does, for flows that must not reveal whether an
 * address has an account. Undefined when nothing was queued.
 */
export async function queueMailForUser(
  trx: TenantDb,
  mail: QueuedMail,
  userId: string,
): Promise<string | undefined> {
  const to = normalizeEmail(mail.to);
  const rendered = await renderMail(trx, mail.template, mail.variables, mail.issuer);
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
