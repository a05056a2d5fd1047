import { sql, type Kysely, type Selectable } from 'kysely';
import type { MailState, TenantDatabase } from '../../db/schema.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, timestampCursorPart, withoutCursorAt, type Page, type PageRequest } from '../../db/page.ts';

/** A tenant database or a transaction on one: enqueueMail is meant to run inside the caller's. */
type Db = Kysely<TenantDatabase>;

export type MailRow = Selectable<TenantDatabase['mail_outbox']>;

export interface OutgoingMail {
  to: string;
  /** Which template it was rendered from (templates.ts), for operators reading the outbox. */
  template: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Queues a mail in the tenant's outbox. Call it with the transaction of the action that causes
 * the mail (a reset token stored, an invitation created): the mail then exists if and only if
 * the action committed, and no SMTP outage can fail the action. After the commit, tell the
 * senders (announceMail in mail.service.ts) so that they look at this tenant soon.
 */
export async function enqueueMail(db: Db, mail: OutgoingMail): Promise<string> {
  const row = await db
    .insertInto('mail_outbox')
    .values({ to_address: mail.to, template: mail.template, subject: mail.subject, text_body: mail.text, html_body: mail.html })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Queues the mail only if the account `userId` exists, in one statement either way: a flow that
 * must not tell whether an address has an account (a password reset) passes an id that names
 * nobody for an unknown address and sends the same statement. Undefined when nothing was queued.
 */
export async function enqueueMailForUser(db: Db, mail: OutgoingMail, userId: string): Promise<string | undefined> {
  const row = await db
    .insertInto('mail_outbox')
    .columns(['to_address', 'template', 'subject', 'text_body', 'html_body'])
    .expression((eb) =>
      eb
        .selectFrom('users')
        .select([
          sql<string>`${mail.to}::text`.as('to_address'),
          sql<string>`${mail.template}::text`.as('template'),
          sql<string>`${mail.subject}::text`.as('subject'),
          sql<string>`${mail.text}::text`.as('text_body'),
          sql<string>`${mail.html}::text`.as('html_body'),
        ])
        .where('id', '=', userId),
    )
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/**
 * When the latest `limit` mails of one template to one address within the last `windowSeconds`
 * were queued, newest first: what a limit on a kind of mail counts. The outbox keeps every row
 * (only the bodies go once sent), and the read is bounded by the window's mail, through
 * `mail_outbox_created_at`.
 */
export async function recentMailTimes(db: Db, filter: { to: string; template: string; windowSeconds: number; limit: number }): Promise<Date[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select('created_at')
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${filter.windowSeconds})`)
    .where('to_address', '=', filter.to)
    .where('template', '=', filter.template)
    .orderBy('created_at', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map((row) => new Date(row.created_at));
}

/**
 * Takes up to `limit` due mails for this sender: queued ones whose time has come, and `sending`
 * ones whose lease ran out (their sender died). Row locks with SKIP LOCKED make two senders
 * racing on one outbox take disjoint rows; the lease keeps the rows theirs after the commit.
 */
export async function claimDueMail(db: Db, options: { limit: number; leaseSeconds: number }): Promise<MailRow[]> {
  const claimed = await db
    .updateTable('mail_outbox')
    .set({ state: 'sending', next_attempt_at: sql<Date>`now() + make_interval(secs => ${options.leaseSeconds})` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('id')
        .where('state', 'in', ['queued', 'sending'])
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .orderBy('next_attempt_at')
        .orderBy('created_at')
        .limit(options.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
  // RETURNING follows no order; mail goes out oldest first.
  return claimed.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}

/** Delivered (or, without SMTP, logged): the bodies go, since their links must not outlive the need. */
export async function markMailDelivered(db: Db, id: string, state: 'sent' | 'logged'): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ state, sent_at: sql<Date>`now()`, text_body: null, html_body: null, last_error: null })
    .where('id', '=', id)
    .execute();
}

/** A failed attempt that will be tried again `delaySeconds` from now. */
export async function scheduleMailRetry(db: Db, id: string, attempts: number, error: string, delaySeconds: number): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ state: 'queued', attempts, last_error: error, next_attempt_at: sql<Date>`now() + make_interval(secs => ${delaySeconds})` })
    .where('id', '=', id)
    .execute();
}

/** Given up: stays in the outbox, bodies included, for an operator to read and retry. */
export async function markMailFailed(db: Db, id: string, attempts: number, error: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ state: 'failed', attempts, last_error: error }).where('id', '=', id).execute();
}

/** Claimed mails this sender did not try (the SMTP server went away): queued again, no attempt counted. */
export async function releaseMail(db: Db, ids: readonly string[], delaySeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('mail_outbox')
    .set({ state: 'queued', next_attempt_at: sql<Date>`now() + make_interval(secs => ${delaySeconds})` })
    .where('id', 'in', ids)
    .where('state', '=', 'sending')
    .execute();
}

/** When this outbox next needs a sender (a lease's end counts: its sender may be gone); null when nothing is pending. */
export async function nextMailDueAt(db: Db): Promise<Date | null> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('due_at'))
    .where('state', 'in', ['queued', 'sending'])
    .executeTakeFirst();
  return row?.due_at ? new Date(row.due_at) : null;
}

/** What operators see of a mail: never its bodies, which hold single-use links. */
const LISTED = ['id', 'to_address', 'template', 'subject', 'state', 'attempts', 'next_attempt_at', 'last_error', 'created_at', 'sent_at'] as const;

export type ListedMail = Pick<MailRow, (typeof LISTED)[number]>;

/**
 * A page of the outbox, newest first, by keyset on `(created_at, id)` (the id breaks ties within
 * one microsecond); the created_at index serves the order.
 */
export async function listMail(db: Db, filter: { state?: MailState; to?: string }, page: PageRequest): Promise<Page<ListedMail>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'mail_outbox', [CURSOR_PART.timestamp, CURSOR_PART.uuid]);
  const listed = await pageOf(
    page,
    (limit) => {
      let query = db.selectFrom('mail_outbox').select(LISTED).select(timestampCursorPart('created_at').as('cursor_at'));
      if (filter.state !== undefined) query = query.where('state', '=', filter.state);
      if (filter.to !== undefined) query = query.where('to_address', '=', filter.to);
      if (after) query = query.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    (row) => encodeCursor('mail_outbox', [row.cursor_at, row.id]),
  );
  return withoutCursorAt(listed);
}

export function findMail(db: Db, id: string): Promise<ListedMail | undefined> {
  return db.selectFrom('mail_outbox').select(LISTED).where('id', '=', id).executeTakeFirst();
}

/** A failed mail queued again with a fresh count of attempts; undefined unless it was `failed`. */
export async function requeueFailedMail(db: Db, id: string): Promise<ListedMail | undefined> {
  return db
    .updateTable('mail_outbox')
    .set({ state: 'queued', attempts: 0, last_error: null, next_attempt_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('state', '=', 'failed')
    .returning(LISTED)
    .executeTakeFirst();
}
