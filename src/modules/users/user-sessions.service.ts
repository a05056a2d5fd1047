import { splitIdpFromAmr } from '../connections/idp-claim.ts';
import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { AppError } from '../../errors.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { findUserById } from './users.repository.ts';
import { deleteAccountGrant, deleteAccountSession, deleteOtherAccountSessions, findActiveUserInSession, listAccountGrants, listAccountSessions } from './user-sessions.repository.ts';
import { summarizeUser, type UserSummary } from './user-summary.ts';
import { listLoginActivity } from './login-attempts.repository.ts';
import { revokedSummary } from './user-audit.ts';
import { userNotFound } from './users.service.ts';

/*
 * A user's sessions (signed-in browsers), grants (apps they consented to) and sign-in attempts,
 * for the admin who looks after the account. Every read and revocation names the user, and the
 * SQL matches the user too: a session or grant id of another user revokes nothing.
 */

export interface UserSession {
  /** The session's public id (never its cookie value). */
  id: string;
  signed_in_at: string | null;
  /** How the user signed in, e.g. `["pwd"]`, or `["fed"]` through a connection. */
  amr: string[];
  /** The connection the user signed in through (modules/connections/); null for any other sign-in. */
  idp: string | null;
  /** The clients the user signed in to in this session. */
  client_ids: string[];
  expires_at: string | null;
}

export interface UserGrant {
  id: string;
  client_id: string;
  /** Null when the client has been deleted since. */
  client_name: string | null;
  /** OpenID scopes consented to (openid, email, profile, offline_access, …). */
  scopes: string[];
  /** API scopes consented to, per API. */
  apis: { identifier: string; scopes: string[] }[];
  created_at: string;
  expires_at: string | null;
}

export interface LoginActivity {
  id: string;
  occurred_at: string;
  ip: string;
  succeeded: boolean;
  /** signed_in, invalid_credentials, throttled, signup, … (login-attempts.repository.ts). */
  reason: string | null;
  known_device: boolean;
  /** The upstream connection a sign-in came through (modules/connections/); null for the password. */
  connection: string | null;
}

const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());
const words = (text: string | null | undefined) => (text ? text.split(' ').filter(Boolean) : []);

async function requireUser(db: TenantDb, userId: string): Promise<string> {
  const user = await findUserById(db, userId);
  if (!user) throw userNotFound(userId);
  return user.id;
}

export async function listUserSessions(scope: TenantScope, userId: string, page: PageRequest): Promise<Page<UserSession>> {
  const id = await requireUser(scope.db, userId);
  return mapPage(await listAccountSessions(scope.db, id, page), (row) => ({
    id: row.uid,
    signed_in_at: row.login_ts === null ? null : new Date(Number(row.login_ts) * 1000).toISOString(),
    ...splitIdpFromAmr(row.amr),
    client_ids: row.clients,
    expires_at: iso(row.expires_at),
  }));
}

export async function listUserGrants(scope: TenantScope, userId: string, page: PageRequest): Promise<Page<UserGrant>> {
  const id = await requireUser(scope.db, userId);
  return mapPage(await listAccountGrants(scope.db, id, page), (row) => ({
    id: row.id,
    client_id: row.client_id,
    client_name: row.client_name,
    scopes: words(row.openid_scope),
    apis: Object.entries(row.resources ?? {})
      .map(([identifier, scope]) => ({ identifier, scopes: words(scope) }))
      .sort((a, b) => a.identifier.localeCompare(b.identifier)),
    created_at: new Date(row.created_at).toISOString(),
    expires_at: iso(row.expires_at),
  }));
}

export async function listUserLoginActivity(scope: TenantScope, userId: string, page: PageRequest): Promise<Page<LoginActivity>> {
  const id = await requireUser(scope.db, userId);
  return mapPage(await listLoginActivity(scope.db, id, page), (row) => ({
    id: String(row.id),
    occurred_at: new Date(row.occurred_at).toISOString(),
    ip: row.ip,
    succeeded: row.succeeded,
    reason: row.reason,
    known_device: row.known_device,
    connection: row.connection,
  }));
}

export interface SessionRevocation {
  userId: string;
  sessionId: string;
}

/**
 * Signs the user out of one session: that browser must sign in again, and the codes and tokens
 * issued in the session (refresh tokens included) stop working. `session_not_found` when the
 * user has no such live session.
 */
export async function revokeUserSession(scope: TenantScope, input: SessionRevocation, actor: Actor): Promise<void> {
  await scope.db.transaction().execute(async (trx) => {
    const id = await requireUser(trx, input.userId);
    const revoked = await deleteAccountSession(trx, id, input.sessionId);
    if (!revoked.Session) throw new AppError('session_not_found', `user "${id}" has no session "${input.sessionId.slice(0, 64)}"`, 404);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.session_revoked',
      target: id,
      details: { session: input.sessionId, revoked: revokedSummary(revoked) },
    });
  });
}

export interface GrantRevocation {
  userId: string;
  grantId: string;
}

/**
 * Withdraws the user's consent for one app: the grant and every code and token issued under it
 * are deleted; the app must ask again. `grant_not_found` when the user has no such live grant.
 */
export async function revokeUserGrant(scope: TenantScope, input: GrantRevocation, actor: Actor): Promise<void> {
  await scope.db.transaction().execute(async (trx) => {
    const id = await requireUser(trx, input.userId);
    const { revoked, clientId } = await deleteAccountGrant(trx, id, input.grantId);
    if (!revoked.Grant) throw new AppError('grant_not_found', `user "${id}" has no grant "${input.grantId.slice(0, 64)}"`, 404);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.grant_revoked',
      target: id,
      details: { grant: input.grantId, client_id: clientId, revoked: revokedSummary(revoked) },
    });
  });
}

/**
 * Signs the user out of every session but the one they act in (the account page's "sign out
 * everywhere else"), as revoking each would; returns how many sessions went. Nothing to revoke:
 * nothing written, not audited.
 */
export async function revokeOtherUserSessions(scope: TenantScope, input: { userId: string; keepSessionId: string }, actor: Actor): Promise<number> {
  return scope.db.transaction().execute(async (trx) => {
    const id = await requireUser(trx, input.userId);
    const revoked = await deleteOtherAccountSessions(trx, id, input.keepSessionId);
    if (!revoked.Session) return 0;
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.sessions_revoked',
      target: id,
      details: { kept: input.keepSessionId, revoked: revokedSummary(revoked) },
    });
    return revoked.Session;
  });
}

export interface SignedInUser {
  user: UserSummary;
  /** When the session signed in last (a fresh sign-in counts as proof of the password). */
  signedInAt: Date | null;
}

/**
 * The user of a provider session, while the user is active and the session live; undefined
 * otherwise. Roles are not read: the account page shows none.
 */
export async function signedInUser(scope: TenantScope, userId: string, sessionId: string): Promise<SignedInUser | undefined> {
  const found = await findActiveUserInSession(scope.db, userId, sessionId);
  if (!found) return undefined;
  return { user: summarizeUser(found.user, []), signedInAt: found.loginTs === null ? null : new Date(found.loginTs * 1000) };
}
