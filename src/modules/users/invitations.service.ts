import crypto from 'node:crypto';
import type { TenantDb } from '../../db/tenant-database.ts';
import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { normalizeEmail } from './email.ts';
import { INVITATION_TTL_DAYS } from './invitation-ttl.ts';
import { findUserByEmail } from './users.repository.ts';
import { checkRoleNames } from './users.service.ts';
import { consumeInvitation, deletePendingInvitation, findInvitation, insertInvitation, listPendingInvitations, type InvitationRow } from './invitations.repository.ts';

export { INVITATION_TTL_DAYS };

export interface InvitationSummary {
  id: string;
  email: string;
  roles: string[];
  expiresAt: string;
  createdAt: string;
}

export interface CreatedInvitation {
  invitation: InvitationSummary;
  /** Shown once; only its SHA-256 is stored. The invitee passes it to the signup API. */
  token: string;
}

/** 32 random bytes: far beyond guessing, so a fast hash suffices (as for client secrets). */
export function hashInvitationToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

function summarize(row: InvitationRow): InvitationSummary {
  return {
    id: row.id,
    email: row.email,
    roles: row.role_names,
    expiresAt: new Date(row.expires_at).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function createInvitation(
  scope: TenantScope,
  input: { email: string; roles?: string[]; expiresInDays?: number },
  actor: Actor,
): Promise<CreatedInvitation> {
  const email = normalizeEmail(input.email);
  const roles = checkRoleNames(input.roles ?? []);
  const days = input.expiresInDays ?? INVITATION_TTL_DAYS.default;
  if (!Number.isInteger(days) || days < 1 || days > INVITATION_TTL_DAYS.max) {
    throw new AppError('invalid_expiry', `an invitation expires in 1 to ${INVITATION_TTL_DAYS.max} days`);
  }
  // The admin may know this; the signup API never tells.
  if (await findUserByEmail(scope.db, email)) throw new AppError('user_exists', `a user with email "${email}" already exists`, 409);

  const token = crypto.randomBytes(32).toString('base64url');
  const row = await scope.db.transaction().execute(async (trx) => {
    const created = await insertInvitation(trx, {
      email,
      tokenHash: hashInvitationToken(token),
      roleNames: roles,
      expiresAt: new Date(Date.now() + days * 24 * 60 * 60 * 1000),
    });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'invitation.created', target: created.id, details: { roles, expiresInDays: days } });
    return created;
  });
  return { invitation: summarize(row), token };
}

/** The invitation for this token and email, now used; undefined if unknown, used, expired or for another email. */
export function redeemInvitation(db: TenantDb, token: string, email: string): Promise<InvitationRow | undefined> {
  if (token.length === 0 || token.length > 128) return Promise.resolve(undefined);
  return consumeInvitation(db, hashInvitationToken(token), email);
}

/** A page of the pending (unused, unexpired) invitations, oldest first. */
export async function listInvitations(scope: TenantScope, page: PageRequest): Promise<Page<InvitationSummary>> {
  return mapPage(await listPendingInvitations(scope.db, page), summarize);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Withdraws an invitation that was not used: its token can no longer be redeemed. One already
 * used is `invitation_accepted` (409); the account it made is a user to disable or delete.
 */
export async function revokeInvitation(scope: TenantScope, id: string, actor: Actor): Promise<InvitationSummary> {
  if (!UUID.test(id)) throw notFound('invitation', id);
  return scope.db.transaction().execute(async (trx) => {
    const revoked = await deletePendingInvitation(trx, id);
    if (!revoked) {
      if (await findInvitation(trx, id)) throw new AppError('invitation_accepted', `invitation "${id}" was used already; it cannot be revoked`, 409);
      throw notFound('invitation', id);
    }
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'invitation.revoked', target: id, details: { before: { roles: revoked.role_names, expires_at: new Date(revoked.expires_at).toISOString() } } });
    return summarize(revoked);
  });
}
