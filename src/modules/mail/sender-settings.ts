import { AppError } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readSetting, writeSetting } from '../settings/settings.repository.ts';
import { normalizeEmail } from '../users/email.ts';

/**
 * Who a tenant's mail comes from: a name (default: the tenant's display name), an address
 * (default: the platform's MAIL_FROM) and an optional Reply-To. Kept in the tenant's `settings`
 * table, so the sender reads them from the same database as the mail it sends: tenant A's mail
 * cannot go out under tenant B's name.
 */
export interface MailSenderSettings {
  fromName: string | null;
  fromAddress: string | null;
  replyTo: string | null;
}

export const MAIL_SENDER_SETTING = 'mail.sender';

const MAX_NAME_LENGTH = 100;

/** Takes a scope's database alone: the mail sender (jobs/mail-sender.ts) reads it from the pool it sends with. */
export async function readMailSenderSettings({ db }: Pick<TenantScope, 'db'>): Promise<MailSenderSettings> {
  const stored = ((await readSetting(db, MAIL_SENDER_SETTING)) ?? {}) as Partial<Record<keyof MailSenderSettings, unknown>>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  return { fromName: text(stored.fromName), fromAddress: text(stored.fromAddress), replyTo: text(stored.replyTo) };
}

function parseName(value: string): string | null {
  const name = value.normalize('NFC').trim();
  if (name === '') return null;
  // eslint-disable-next-line no-control-regex
  if (name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AppError('invalid_setting', `the sender name must be at most ${MAX_NAME_LENGTH} characters on one line`);
  }
  return name;
}

const parseAddress = (value: string) => (value.trim() === '' ? null : normalizeEmail(value));

/** `undefined` keeps a setting, `''` clears it (back to the default). */
export async function updateMailSenderSettings(
  scope: TenantScope,
  changes: { fromName?: string; fromAddress?: string; replyTo?: string },
  actor: Actor,
): Promise<MailSenderSettings> {
  const before = await readMailSenderSettings(scope);
  const next = { ...before };
  if (changes.fromName !== undefined) next.fromName = parseName(changes.fromName);
  if (changes.fromAddress !== undefined) next.fromAddress = parseAddress(changes.fromAddress);
  if (changes.replyTo !== undefined) next.replyTo = parseAddress(changes.replyTo);
  await scope.db.transaction().execute(async (trx) => {
    await writeSetting(trx, MAIL_SENDER_SETTING, next);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip ?? null, action: 'mail.sender_updated', details: { before, after: next } });
  });
  return next;
}
