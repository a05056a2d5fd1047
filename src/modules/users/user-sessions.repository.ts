import { sql, type RawBuilder } from 'kysely';
import type { UserRow } from './users.repository.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { decodeCursor, encodeCursor, pageOf, timestampCursorPart, CURSOR_PART, type Page, type PageRequest } from '../../db/page.ts';

/*
 * What the provider stores for one user, read and deleted by account: oidc-provider keeps every
 * model in `oidc_payloads` (oidc/adapter.ts), and the ones that belong to a person carry its id
 * as `accountId`: Session (one per signed-in browser), Grant (what the user consented to for one
 * client), and what is issued under a grant: AuthorizationCode, AccessToken (opaque, for
 * userinfo), RefreshToken, DeviceCode, BackchannelAuthenticationRequest. Tokens name their grant
 * (`grantId`) and the session they were issued in (`sessionUid`). An Interaction (a sign-in in
 * progress) keeps the account under `session` and, once the password was accepted, under
 * `result.login`.
 */

/** The row belongs to the account; written as the partial index `oidc_payloads_account_id` is, so it is used. */
const ofAccount = (userId: string): RawBuilder<boolean> => sql<boolean>`payload ? 'accountId' AND payload->>'accountId' = ${userId}`;

/** Expired rows stay until the cleanup job, but the provider already treats them as gone. */
const live = sql<boolean>`(expires_at IS NULL OR expires_at > now())`;

/** How many rows of each model went, e.g. `{ Session: 1, RefreshToken: 2 }`. */
export type RevokedRows = Record<string, number>;

function countByModel(rows: { model: string }[]): RevokedRows {
  const counts: RevokedRows = {};
  for (const { model } of rows) counts[model] = (counts[model] ?? 0) + 1;
  return counts;
}

/**
 * Deletes everything the provider holds for the account: its sessions (every browser is signed
 * out), its grants (consents) and every code and token issued under them, and sign-ins in
 * progress that already accepted its password (one could otherwise still be finished). A JWT
 * access token for an API is no row: it lives until it expires, minutes. With `keep`, that one
 * Session row stays (and only it: the codes and tokens issued in it go too).
 */
export async function deleteAccountPayloads(db: TenantDb, userId: string, keep?: { sessionUid: string }): Promise<RevokedRows> {
  // `keep`: the session the user acts in (a password changed on the account page) stays signed in.
  const kept = keep === undefined ? sql`` : sql`AND NOT (model = 'Session' AND payload->>'uid' IS NOT DISTINCT FROM ${keep.sessionUid})`;
  const { rows } = await sql<{ model: string }>`
    DELETE FROM oidc_payloads
    WHERE ((${ofAccount(userId)})
       OR (model = 'Interaction' AND (payload->'session'->>'accountId' = ${userId} OR payload->'result'->'login'->>'accountId' = ${userId} OR payload->'lastSubmission'->'login'->>'accountId' = ${userId})))
      ${kept}
    RETURNING model
  `.execute(db);
  return countByModel(rows);
}

export interface SessionRow {
  uid: string;
  login_ts: string | null;
  amr: string[] | null;
  clients: string[];
  expires_at: Date | null;
}

/**
 * A page of the account's live sessions, newest sign-in first. A session is named by its `uid`,
 * never by its row id: the row id is the value of the browser's session cookie, and whoever
 * holds it is signed in as the user.
 */
export async function listAccountSessions(db: TenantDb, userId: string, page: PageRequest): Promise<Page<SessionRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'sessions', [/^\d{1,15}$/, /^[A-Za-z0-9_-]{1,64}$/]);
  return pageOf(
    page,
    async (limit) => {
      const { rows } = await sql<SessionRow>`
        SELECT payload->>'uid' AS uid,
               payload->>'loginTs' AS login_ts,
               payload->'amr' AS amr,
               coalesce(ARRAY(SELECT jsonb_object_keys(coalesce(payload->'authorizations', '{}'::jsonb)) ORDER BY 1), '{}') AS clients,
               expires_at
        FROM oidc_payloads
        WHERE model = 'Session' AND ${ofAccount(userId)} AND ${live}
          ${after === undefined ? sql`` : sql`AND (coalesce((payload->>'loginTs')::bigint, 0), payload->>'uid') < (${after[0]}::bigint, ${after[1]})`}
        ORDER BY coalesce((payload->>'loginTs')::bigint, 0) DESC, payload->>'uid' DESC
        LIMIT ${limit}
      `.execute(db);
      return rows;
    },
    (row) => encodeCursor('sessions', [row.login_ts ?? '0', row.uid]),
  );
}

/**
 * Signs the account out of one session: the session and every code and token issued in it
 * (refresh tokens included) are deleted. Its grants stay: consent is the user's, not the
 * browser's (revoke a grant for that). Returns what went; nothing when no such live session of
 * this account exists.
 */
export async function deleteAccountSession(db: TenantDb, userId: string, uid: string): Promise<RevokedRows> {
  const { rows } = await sql<{ model: string }>`
    DELETE FROM oidc_payloads
    WHERE ${ofAccount(userId)}
      AND ((model = 'Session' AND payload->>'uid' = ${uid}) OR (model <> 'Session' AND payload->>'sessionUid' = ${uid}))
      AND EXISTS (SELECT 1 FROM oidc_payloads s WHERE s.model = 'Session' AND s.payload ? 'uid' AND s.payload->>'uid' = ${uid}
                    AND s.payload->>'accountId' = ${userId} AND (s.expires_at IS NULL OR s.expires_at > now()))
    RETURNING model
  `.execute(db);
  return countByModel(rows);
}

export interface GrantRow {
  id: string;
  client_id: string;
  /** Null when the client has been deleted since. */
  client_name: string | null;
  openid_scope: string | null;
  /** API identifier → granted scopes, space-separated. */
  resources: Record<string, string> | null;
  created_at: Date;
  expires_at: Date | null;
  cursor_at: string;
}

/** A page of the account's live grants (the apps it consented to), newest first. */
export async function listAccountGrants(db: TenantDb, userId: string, page: PageRequest): Promise<Page<GrantRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'grants', [CURSOR_PART.timestamp, CURSOR_PART.text]);
  return pageOf(
    page,
    async (limit) => {
      const { rows } = await sql<GrantRow>`
        SELECT g.id,
               g.payload->>'clientId' AS client_id,
               c.name AS client_name,
               g.payload->'openid'->>'scope' AS openid_scope,
               g.payload->'resources' AS resources,
               g.created_at,
               g.expires_at,
               ${timestampCursorPart('g.created_at')} AS cursor_at
        FROM (
          -- iat: whole seconds since the epoch; as a timestamp it pages like every other list.
          SELECT id, payload, expires_at, to_timestamp(coalesce((payload->>'iat')::bigint, 0)) AS created_at
          FROM oidc_payloads
          WHERE model = 'Grant' AND ${ofAccount(userId)} AND ${live}
        ) g
        LEFT JOIN clients c ON c.client_id = g.payload->>'clientId'
        ${after === undefined ? sql`` : sql`WHERE (g.created_at, g.id) < (${after[0]}::timestamptz, ${after[1]})`}
        ORDER BY g.created_at DESC, g.id DESC
        LIMIT ${limit}
      `.execute(db);
      return rows;
    },
    (row) => encodeCursor('grants', [row.cursor_at, row.id]),
  );
}

/**
 * Revokes one of the account's grants as oidc-provider revokes one (the adapter's revokeGrant):
 * the Grant row and every code and token issued under it. Returns what went, and the grant's
 * client; nothing when the account has no such grant, so another user's grant id revokes nothing.
 */
export async function deleteAccountGrant(db: TenantDb, userId: string, grantId: string): Promise<{ revoked: RevokedRows; clientId: string | null }> {
  const { rows } = await sql<{ model: string; client_id: string | null }>`
    DELETE FROM oidc_payloads
    WHERE ${ofAccount(userId)}
      AND ((model = 'Grant' AND id = ${grantId}) OR (model <> 'Grant' AND payload ? 'grantId' AND payload->>'grantId' = ${grantId}))
      AND EXISTS (SELECT 1 FROM oidc_payloads g WHERE g.model = 'Grant' AND g.id = ${grantId} AND g.payload->>'accountId' = ${userId}
                    AND (g.expires_at IS NULL OR g.expires_at > now()))
    RETURNING model, payload->>'clientId' AS client_id
  `.execute(db);
  return { revoked: countByModel(rows), clientId: rows.find((row) => row.model === 'Grant')?.client_id ?? null };
}

/**
 * Signs the account out of every live session but `keepUid`, as revoking each of them would
 * (deleteAccountSession): the sessions and the codes and tokens issued in them. Grants stay.
 */
export async function deleteOtherAccountSessions(db: TenantDb, userId: string, keepUid: string): Promise<RevokedRows> {
  const { rows } = await sql<{ model: string }>`
    WITH others AS (
      SELECT payload->>'uid' AS uid FROM oidc_payloads
      WHERE model = 'Session' AND ${ofAccount(userId)} AND ${live} AND payload ? 'uid' AND payload->>'uid' <> ${keepUid}
    )
    DELETE FROM oidc_payloads
    WHERE ${ofAccount(userId)}
      AND ((model = 'Session' AND payload->>'uid' IN (SELECT uid FROM others))
        OR (model <> 'Session' AND payload->>'sessionUid' IN (SELECT uid FROM others)))
    RETURNING model
  `.execute(db);
  return countByModel(rows);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The user, if active, while its session `uid` is live, and when that session signed in
 * (`loginTs`, seconds since the epoch): what the account page asks on every request, in one
 * query. Nothing once an admin disabled the user or revoked the session, a password reset
 * signed it out everywhere, or the session ended.
 */
export async function findActiveUserInSession(db: TenantDb, userId: string, uid: string): Promise<{ user: UserRow; loginTs: number | null } | undefined> {
  if (!UUID.test(userId)) return undefined;
  const { rows } = await sql<UserRow & { session_login_ts: string | null }>`
    SELECT u.*, s.payload->>'loginTs' AS session_login_ts
    FROM users u
    JOIN oidc_payloads s ON s.model = 'Session' AND ${ofAccount(userId)} AND s.payload ? 'uid' AND s.payload->>'uid' = ${uid}
                        AND (s.expires_at IS NULL OR s.expires_at > now())
    WHERE u.id = ${userId} AND u.status = 'active'
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { session_login_ts: loginTs, ...user } = row;
  return { user, loginTs: loginTs === null ? null : Number(loginTs) };
}
