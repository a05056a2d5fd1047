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
import type { AccountMail } from './account-mail.ts';
import { queueInvitationMail } from './invitation-mail.ts';
import {
  consumeInvitation,
  deletePendingInvitation,
  findInvitation,
  insertInvitation,
  listPendingInvitations,
  replaceInvitationToken,
  type InvitationRow,
} from './invitations.repository.ts';

export { INVITATION_TTL_DAYS };

/**
 * Invitations to an account at a tenant. An admin (admin API, `tansu invite`) names an address
 * and roles; the address is mailed a link to the accept page (invitation-accept.service.ts) in
 * the transaction that stores the invitation. The token travels only in that mail: the admin
 * never sees it, so an accepted invitation proves that whoever set the password reads that
 * mailbox, and the new account's address counts as verified.
 */

export interface InvitationSummary {
  id: string;
  email: string;
  roles: string[];
  expiresAt: string;
  createdAt: string;
}

/** An invitation whose link was just queued for mailing. */
export interface MailedInvitation {
  invitation: InvitationSummary;
  /** The outbox row carrying the link (`tansu mail list` shows its delivery). */
  mailId: string;
}

/** 32 random bytes: far beyond guessing, so a fast hash suffices (as for client secrets). */
export function hashInvitationToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Whether the text can be an invitation token at all: anything else is refused without a query. */
export function isInvitationTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && TOKEN.test(token);
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

function checkExpiry(expiresInDays: number | undefined): number {
  const days = expiresInDays ?? INVITATION_TTL_DAYS.default;
  if (!Number.isInteger(days) || days < 1 || days > INVITATION_TTL_DAYS.max) {
    throw new AppError('invalid_expiry', `an invitation expires in 1 to ${INVITATION_TTL_DAYS.max} days`);
  }
  return days;
}

const expiryIn = (days: number) => new Date(Date.now() + days * 24 * 60 * 60 * 1000);
const userExists = (email: string) => new AppError('user_exists', `a user with email "${email}" already exists`, 409);

export async function createInvitation(
  scope: TenantScope,
  input: { email: string; roles?: string[]; expiresInDays?: number; mail: AccountMail },
  actor: Actor,
): Promise<MailedInvitation> {
  const email = normalizeEmail(input.email);
  const roles = checkRoleNames(input.roles ?? []);
  const days = checkExpiry(input.expiresInDays);
  // The admin may know this; the signup API never tells.
  if (await findUserByEmail(scope.db, email)) throw userExists(email);

  const token = crypto.randomBytes(32).toString('base64url');
  const mailed = await scope.db.transaction().execute(async (trx) => {
    const created = await insertInvitation(trx, { email, tokenHash: hashInvitationToken(token), roleNames: roles, expiresAt: expiryIn(days) });
    const mailId = await queueInvitationMail(trx, scope, input.mail, { email, token, expiresInDays: days });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'invitation.created', target: created.id, details: { roles, expiresInDays: days, mailId } });
    return { invitation: summarize(created), mailId };
  });
  await input.mail.announce();
  return mailed;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invitationAccepted = (id: string, what: string) =>
  new AppError('invitation_accepted', `invitation "${id}" was used already; it cannot be ${what}`, 409);

/**
 * Mails an unused invitation again under a new token, expiring `expiresInDays` from now (expired
 * ones too: that is what a resend is for). The old token's digest is replaced in the same
 * statement, so the earlier link stops working once this commits. A used invitation is
 * `invitation_accepted` (409), one whose address has meanwhile got an account `user_exists` (409),
 * and the address's mail limit applies (invitation-mail.ts).
 */
export async function resendInvitation(
  scope: TenantScope,
  id: string,
  input: { expiresInDays?: number; mail: AccountMail },
  actor: Actor,
): Promise<MailedInvitation> {
  if (!UUID.test(id)) throw notFound('invitation', id);
  const days = checkExpiry(input.expiresInDays);
  const token = crypto.randomBytes(32).toString('base64url');
  const mailed = await scope.db.transaction().execute(async (trx) => {
    const renewed = await replaceInvitationToken(trx, id, hashInvitationToken(token), expiryIn(days));
    if (!renewed) {
      if (await findInvitation(trx, id)) throw invitationAccepted(id, 'sent again');
      throw notFound('invitation', id);
    }
    if (await findUserByEmail(trx, renewed.email)) throw userExists(renewed.email);
    const mailId = await queueInvitationMail(trx, scope, input.mail, { email: renewed.email, token, expiresInDays: days });
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'invitation.resent', target: id, details: { expiresInDays: days, mailId } });
    return { invitation: summarize(renewed), mailId };
  });
  await input.mail.announce();
  return mailed;
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

/**
 * Withdraws an invitation that was not used: its token can no longer be redeemed. One already
 * used is `invitation_accepted` (409); the account it made is a user to disable or delete.
 */
export async function revokeInvitation(scope: TenantScope, id: string, actor: Actor): Promise<InvitationSummary> {
  if (!UUID.test(id)) throw notFound('invitation', id);
  return scope.db.transaction().execute(async (trx) => {
    const revoked = await deletePendingInvitation(trx, id);
    if (!revoked) {
      if (await findInvitation(trx, id)) throw invitationAccepted(id, 'revoked');
      throw notFound('invitation', id);
    }
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'invitation.revoked', target: id, details: { before: { roles: revoked.role_names, expires_at: new Date(revoked.expires_at).toISOString() } } });
    return summarize(revoked);
  });
}
