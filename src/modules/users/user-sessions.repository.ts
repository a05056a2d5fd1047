import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';

/**
 * What oidc-provider keeps for one account, in the rows oidc/adapter.ts writes to
 * `oidc_payloads`: its browser sessions (`Session`), grants, authorization codes, opaque access
 * tokens and refresh tokens all carry `accountId` at the top of the payload; an interaction that
 * already knows the account carries it under `session`, `result.login` or `lastSubmission.login`.
 */

/**
 * Signs the account out everywhere: deletes every session, grant, code and stored token of the
 * account, and every interaction in which it has already signed in (or whose session is its).
 * Run it in the transaction that changes the password, so the old credential and everything
 * obtained with it go together. A browser that presents a deleted session's cookie has no session
 * any more; a refresh token or opaque access token is unknown to the provider. Access tokens
 * issued as JWTs for an API are self-contained and live out their (short) lifetime.
 */
export async function deleteSessionsOfUser(db: TenantDb, userId: string): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where((eb) =>
      eb.or([
        // Served by the oidc_payloads_account_id index.
        eb.and([sql<boolean>`payload ? 'accountId'`, sql<boolean>`payload->>'accountId' = ${userId}`]),
        eb.and([
          eb('model', '=', 'Interaction'),
          eb.or([
            sql<boolean>`payload->'session'->>'accountId' = ${userId}`,
            sql<boolean>`payload->'result'->'login'->>'accountId' = ${userId}`,
            sql<boolean>`payload->'lastSubmission'->'login'->>'accountId' = ${userId}`,
          ]),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
