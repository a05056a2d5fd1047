import { sql, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';

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

export function listPendingInvitations(db: TenantDb): Promise<InvitationRow[]> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at')
    .execute();
}
