import { sql, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, timestampCursorPart, withoutCursorAt, type Page, type PageRequest } from '../../db/page.ts';

export type InvitationRow = Selectable<TenantDatabase['invitations']>;

export function insertInvitation(
  db: TenantDb,
  invitation: { email: string; tokenHash: string; roleNames: string[]; expiresAt: Date; invitedBy?: string | null },
): Promise<InvitationRow> {
  return db
    .insertInto('invitations')
    .values({
      email: invitation.email,
      token_hash: invitation.tokenHash,
      role_names: invitation.roleNames,
      expires_at: invitation.expiresAt,
      invited_by: invitation.invitedBy ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Marks the invitation used, in one statement, only if it is unused and unexpired (and, when
 * given, for this email): of two concurrent redemptions of one token the second waits on the
 * first's row lock, then finds `accepted_at` set and takes nothing.
 */
export function consumeInvitation(db: TenantDb, tokenHash: string, email?: string): Promise<InvitationRow | undefined> {
  let query = db
    .updateTable('invitations')
    .set({ accepted_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`);
  if (email !== undefined) query = query.where('email', '=', email);
  return query.returningAll().executeTakeFirst();
}

/** The invitation a token names, whatever its state, with whether it has expired by the database's clock. */
export function findInvitationByTokenHash(db: TenantDb, tokenHash: string): Promise<(InvitationRow & { expired: boolean }) | undefined> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .select(sql<boolean>`expires_at <= now()`.as('expired'))
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/**
 * A new token (and expiry) for an invitation nobody used yet: the old token's digest is gone, so
 * its link stops working in the same statement. Undefined when the invitation is unknown or used.
 */
export function replaceInvitationToken(db: TenantDb, id: string, tokenHash: string, expiresAt: Date): Promise<InvitationRow | undefined> {
  return db
    .updateTable('invitations')
    .set({ token_hash: tokenHash, expires_at: expiresAt })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Serialises, until the transaction ends, everything that mails an invitation to this address,
 * so that counting the mails already sent (invitation-mail.ts) and queueing one more cannot
 * interleave: two admins inviting one address at once cannot both pass the limit.
 */
export async function lockInvitationAddress(db: TenantDb, email: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`tansu-invitation-mail:${email}`}, 0))`.execute(db);
}

/** A page of the invitations still usable (unused, unexpired), oldest first. */
export async function listPendingInvitations(db: TenantDb, page: PageRequest): Promise<Page<InvitationRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'invitations', [CURSOR_PART.timestamp, CURSOR_PART.uuid]);
  return pageOf(
    page,
    (limit) => {
      let query = db
        .selectFrom('invitations')
        .selectAll()
        .select(timestampCursorPart('created_at').as('cursor_at'))
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`);
      if (after) query = query.where(sql<boolean>`(created_at, id) > (${after[0]}::timestamptz, ${after[1]}::uuid)`);
      return query.orderBy('created_at').orderBy('id').limit(limit).execute();
    },
    (row) => encodeCursor('invitations', [row.cursor_at, row.id]),
  ).then(withoutCursorAt);
}

/**
 * Deletes the invitation if it was not used yet (expired or not): its token is then unknown to
 * consumeInvitation. Row locks order it against a concurrent signup: whichever comes second finds
 * nothing to do.
 */
export function deletePendingInvitation(db: TenantDb, id: string): Promise<InvitationRow | undefined> {
  return db.deleteFrom('invitations').where('id', '=', id).where('accepted_at', 'is', null).returningAll().executeTakeFirst();
}

export function findInvitation(db: TenantDb, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
}
