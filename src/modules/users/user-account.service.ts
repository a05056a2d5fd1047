import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { generatePassword, hashPassword } from '../../crypto/passwords.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { deleteUserRow, setPasswordHash, setUserStatus } from './users.repository.ts';
import { deleteAccountPayloads } from './user-sessions.repository.ts';
import { summarizeUser, type UserSummary } from './user-summary.ts';
import { auditedUser, revokedSummary } from './user-audit.ts';
import { checkPassword, getUser, lockedUser, refuseSelfLockout, type Precondition } from './users.service.ts';

/*
 * What an admin does to an account as a whole. Each change and the deletion of everything the
 * provider holds for the account (deleteAccountPayloads) commit in one transaction: the moment
 * an admin sees "disabled", no session, refresh token or code of the user works any more, on any
 * node. Nodes cache nothing of a user (the provider reads sessions, grants and the account from
 * the database on each request, oidc/account.ts), so there is nothing to announce.
 */

export interface UserAction {
  userId: string;
  precondition?: Precondition;
}

/**
 * Disables the account: sign-in is refused (authenticate.ts signs in active users only), and
 * its sessions, grants, codes and refresh tokens are deleted at once. Disabling a disabled
 * account changes nothing and is not audited again.
 */
export async function disableUser(scope: TenantScope, input: UserAction, actor: Actor): Promise<UserSummary> {
  return scope.db.transaction().execute(async (trx) => {
    const { user } = await lockedUser(trx, input.userId, input.precondition);
    if (user.status === 'disabled') return user;
    refuseSelfLockout(actor, user.id, 'disable');
    const row = await setUserStatus(trx, user.id, 'disabled');
    const revoked = await deleteAccountPayloads(trx, user.id);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.disabled',
      target: user.id,
      details: { before: { status: user.status }, after: { status: row.status }, revoked: revokedSummary(revoked) },
    });
    return summarizeUser(row, user.roles);
  });
}

/**
 * Enables the account again; what disabling revoked stays revoked. Rows of the account found now
 * were written by a sign-in or refresh that had read the account as active just before it was
 * disabled and saved its session or tokens just after: nothing else can create them for a
 * disabled account. They are deleted here, so enabling cannot bring them to life.
 */
export async function enableUser(scope: TenantScope, input: UserAction, actor: Actor): Promise<UserSummary> {
  return scope.db.transaction().execute(async (trx) => {
    const { user } = await lockedUser(trx, input.userId, input.precondition);
    if (user.status === 'active') return user;
    const revoked = await deleteAccountPayloads(trx, user.id);
    const row = await setUserStatus(trx, user.id, 'active');
    const stragglers = Object.keys(revoked).length > 0 ? { revoked: revokedSummary(revoked) } : {};
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.enabled',
      target: user.id,
      details: { before: { status: user.status }, after: { status: row.status }, ...stragglers },
    });
    return summarizeUser(row, user.roles);
  });
}

/**
 * Deletes the account for good: the row goes, and with it (foreign keys) its roles, linked
 * identities and sign-in attempts; invitations it sent keep existing without their sender. Its
 * provider rows are deleted in the same transaction. The audit log keeps its own rows: they name
 * the user by id, and this deletion's event records who it was (its `before`).
 */
export async function deleteUser(scope: TenantScope, input: UserAction, actor: Actor): Promise<UserSummary> {
  return scope.db.transaction().execute(async (trx) => {
    const { user } = await lockedUser(trx, input.userId, input.precondition);
    refuseSelfLockout(actor, user.id, 'delete');
    const revoked = await deleteAccountPayloads(trx, user.id);
    await deleteUserRow(trx, user.id);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.deleted',
      target: user.id,
      details: { before: auditedUser(user), after: null, revoked: revokedSummary(revoked) },
    });
    return user;
  });
}

export interface SetPasswordInput extends UserAction {
  /** Omitted ⇒ a strong password is generated and returned once. */
  password?: string;
}

export interface PasswordSet {
  user: UserSummary;
  /** Only when generated: shown once, stored only as an argon2id hash. */
  generatedPassword?: string;
}

/**
 * Gives the account a new password, as a reset would: whoever may have known the old one is
 * signed out everywhere (sessions, grants, codes and refresh tokens deleted), and the failures
 * counted against the old password no longer slow sign-ins down. The audit event says that the
 * password was set, never what it is.
 */
export async function setUserPassword(scope: TenantScope, input: SetPasswordInput, actor: Actor): Promise<PasswordSet> {
  const password = input.password ?? generatePassword();
  // Hashing takes tens of milliseconds: done before the row is locked, checked again under the
  // lock (cheaply) in case the email changed meanwhile.
  if (input.password !== undefined) checkPassword(input.password, (await getUser(scope, input.userId)).email);
  const passwordHash = await hashPassword(password);
  const user = await scope.db.transaction().execute(async (trx) => {
    const { user: current } = await lockedUser(trx, input.userId, input.precondition);
    if (input.password !== undefined) checkPassword(input.password, current.email);
    const row = await setPasswordHash(trx, current.id, passwordHash);
    const revoked = await deleteAccountPayloads(trx, current.id);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.password_set',
      target: current.id,
      details: { password: input.password === undefined ? 'generated' : 'given', revoked: revokedSummary(revoked) },
    });
    return summarizeUser(row, current.roles);
  });
  return { user, ...(input.password === undefined ? { generatedPassword: password } : {}) };
}
