import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { hashPassword } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { findUserByEmail, grantRoles, insertUserIfNew } from './users.repository.ts';
import { checkDisplayName, checkPassword } from './users.service.ts';
import { hashInvitationToken, isInvitationTokenShaped } from './invitations.service.ts';
import { consumeInvitation, findInvitationByTokenHash } from './invitations.repository.ts';

/**
 * Accepting an invitation at `/t/<id>/accept-invitation?token=…`: the invitee chooses a name and
 * a password, and gets an account with the invitation's roles and its address verified (the
 * mailed link proves the mailbox). It works whatever the tenant's signup mode: the invitation is
 * an admin's decision, as `tansu user create` is.
 *
 * Why a link cannot be used, each with a code the page turns into its own words:
 * - `invalid_invitation` (400): no invitation of this tenant has the token. Revoked, replaced by
 *   a resend, another tenant's link (its database has no such row), or mistyped: all the same.
 * - `invitation_used` (410): accepted already.
 * - `invitation_expired` (410).
 * - `user_exists` (409): the address got an account meanwhile; the invitation stays unused.
 * Telling these apart leaks nothing: only the holder of a 256-bit token learns its state.
 */

export const invitationUnknown = () => new AppError('invalid_invitation', 'the invitation link is not valid: it was withdrawn, replaced by a newer mail, or mistyped', 400);
const invitationUsed = () => new AppError('invitation_used', 'the invitation was accepted already', 410);
const invitationExpired = () => new AppError('invitation_expired', 'the invitation has expired', 410);
const accountExists = (email: string) => new AppError('user_exists', `an account for ${email} exists already`, 409, { email });

export interface OpenInvitation {
  email: string;
  roles: string[];
}

/** Why the invitation a token found (or did not find) cannot be used now; undefined when it can. */
function refusalOf(row: Awaited<ReturnType<typeof findInvitationByTokenHash>>): AppError | undefined {
  if (!row) return invitationUnknown();
  if (row.accepted_at !== null) return invitationUsed();
  if (row.expired) return invitationExpired();
  return undefined;
}

/**
 * What the link's page shows, without using the link (mail scanners fetch links): the invited
 * address, or the refusal that applies now.
 */
export async function openInvitation(scope: TenantScope, token: unknown): Promise<OpenInvitation> {
  if (!isInvitationTokenShaped(token)) throw invitationUnknown();
  const row = await findInvitationByTokenHash(scope.db, hashInvitationToken(token));
  const refusal = refusalOf(row);
  if (refusal) throw refusal;
  if (await findUserByEmail(scope.db, row!.email)) throw accountExists(row!.email);
  return { email: row!.email, roles: row!.role_names };
}

export interface AcceptInput {
  token: unknown;
  password: unknown;
  name?: unknown;
}

/**
 * Creates the invitee's account. The form is judged and the password hashed before the
 * transaction (a weak password leaves the link usable); then one conditional UPDATE uses the
 * invitation: of two posts with one link the second waits on the first's row lock and finds it
 * used, so exactly one account is made. If the address has an account by then, the transaction
 * rolls back and the invitation stays unused.
 */
export async function acceptInvitation(scope: TenantScope, input: AcceptInput, actor: Actor): Promise<{ userId: string; email: string }> {
  const { email } = await openInvitation(scope, input.token);
  const password = checkPassword(input.password, email);
  const name = checkDisplayName(input.name);
  const passwordHash = await hashPassword(password);
  const tokenHash = hashInvitationToken(input.token as string);
  return scope.db.transaction().execute(async (trx) => {
    const used = await consumeInvitation(trx, tokenHash);
    // Lost a race: used by a parallel post, or replaced by a resend meanwhile.
    if (!used) throw refusalOf(await findInvitationByTokenHash(trx, tokenHash)) ?? invitationUnknown();
    const user = await insertUserIfNew(trx, { email: used.email, passwordHash, name, emailVerified: true });
    if (!user) throw accountExists(used.email);
    await grantRoles(trx, user.id, used.role_names);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'invitation.accepted', target: used.id, details: { user: user.id, roles: used.role_names } });
    return { userId: user.id, email: user.email };
  });
}
