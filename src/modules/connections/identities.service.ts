import { AppError, notFound } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import { deleteIdentity, identitiesOf, lockUserSignInWays, type IdentityRow } from './identities.repository.ts';

/** An upstream account linked to a user, as the admin API shows it. */
export interface IdentityView {
  id: string;
  /** The connection's name. */
  connection: string;
  /** The provider's id of the person. */
  subject: string;
  /** The address the provider gave at the last sign-in. */
  email: string | null;
  linked_at: string;
  last_signed_in_at: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());

function identityView(row: IdentityRow): IdentityView {
  return {
    id: row.id,
    connection: row.connection,
    subject: row.subject,
    email: row.email,
    linked_at: new Date(row.linked_at).toISOString(),
    last_signed_in_at: iso(row.last_signed_in_at),
  };
}

async function requireUser(scope: TenantScope, userId: string): Promise<string> {
  const user = await findUserById(scope.db, userId);
  if (!user) throw notFound('user', userId.slice(0, 64));
  return user.id;
}

/** The user's linked upstream accounts, oldest link first. */
export async function listUserIdentities(scope: TenantScope, userId: string): Promise<IdentityView[]> {
  return (await identitiesOf(scope.db, await requireUser(scope, userId))).map(identityView);
}

/**
 * Unlinks an upstream account from the user: it no longer signs in as them, and its next sign-in
 * is treated as a stranger's (found by address, or made into a new account). Sessions it started
 * are not ended here: revoke them too if the link was wrong (`…/sessions`).
 */
export async function unlinkIdentity(scope: TenantScope, input: { userId: string; identityId: string }, actor: Actor): Promise<IdentityView> {
  const userId = await requireUser(scope, input.userId);
  if (!UUID.test(input.identityId)) throw notFound('identity', input.identityId.slice(0, 64));
  return scope.db.transaction().execute(async (trx) => {
    const removed = await deleteIdentity(trx, userId, input.identityId);
    if (!removed) throw new AppError('identity_not_found', `user ${userId} has no identity "${input.identityId}"`, 404);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'identity.unlinked',
      target: userId,
      details: { identity: removed.id, connection: removed.connection, subject: removed.subject },
    });
    return identityView(removed);
  });
}

/**
 * The account page's unlink: the person removes one of their own linked accounts. Refused (409
 * `last_sign_in_method`) when it is the last way in: no password and no other linked account. The
 * user's row is locked first, so two unlinks at once cannot each leave the other as the last.
 */
export async function unlinkOwnIdentity(scope: TenantScope, input: { userId: string; identityId: string }, actor: Actor): Promise<IdentityView> {
  if (!UUID.test(input.identityId)) throw new AppError('identity_not_found', 'that linked account is not yours or is already unlinked', 404);
  return scope.db.transaction().execute(async (trx) => {
    const user = await lockUserSignInWays(trx, input.userId);
    if (!user) throw notFound('user', input.userId.slice(0, 64));
    const identities = await identitiesOf(trx, user.id);
    if (!identities.some((identity) => identity.id === input.identityId)) throw new AppError('identity_not_found', 'that linked account is not yours or is already unlinked', 404);
    if (!user.has_password && identities.length === 1) {
      throw new AppError('last_sign_in_method', 'this linked account is your only way to sign in: set a password first, then unlink it', 409);
    }
    const removed = (await deleteIdentity(trx, user.id, input.identityId))!;
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'identity.unlinked',
      target: user.id,
      details: { identity: removed.id, connection: removed.connection, subject: removed.subject },
    });
    return identityView(removed);
  });
}
