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
 * Marks the invitation used, in one statement, only if it is unused, unexpired and for this
 * email: two concurrent signups with one token cannot both succeed.
 */
export function consumeInvitation(db: TenantDb, tokenHash: string, email: string): Promise<InvitationRow | undefined> {
  return db
    .updateTable('invitations')
    .set({ accepted_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
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
