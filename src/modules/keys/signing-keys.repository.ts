import { sql, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, timestampCursorPart, withoutCursorAt, type Page, type PageRequest } from '../../db/page.ts';

/** The SQL of a tenant's `signing_keys`; the key life cycle is key-rotation.ts, the key material signing-keys.ts. */
export type SigningKeyRow = Selectable<TenantDatabase['signing_keys']>;
export type KeyState = SigningKeyRow['state'];

/** A key as stored: the public JWK in clear, the private one sealed under the master key. */
export interface StoredKey {
  kid: string;
  alg: string;
  publicJwk: object;
  sealedPrivateJwk: string;
}

export async function insertSigningKey(db: TenantDb, key: StoredKey, state: KeyState): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      alg: key.alg,
      state,
      public_jwk: JSON.stringify(key.publicJwk),
      private_jwk_encrypted: key.sealedPrivateJwk,
      activated_at: state === 'active' ? new Date() : null,
    })
    .execute();
}

/** Every key, newest first (a tenant has a handful: active, next and retired ones in their grace). */
export function listSigningKeys(db: TenantDb): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
}

/** One page of the keys, newest first; a kid is unique, so it settles ties of `created_at`. */
export async function listSigningKeysPage(db: TenantDb, page: PageRequest): Promise<Page<SigningKeyRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'signing_keys', [CURSOR_PART.timestamp, CURSOR_PART.text]);
  return withoutCursorAt(
    await pageOf(
      page,
      (limit) => {
        let query = db.selectFrom('signing_keys').selectAll().select(timestampCursorPart('created_at').as('cursor_at'));
        if (after) query = query.where(sql<boolean>`(created_at, kid) < (${after[0]}::timestamptz, ${after[1]})`);
        return query.orderBy('created_at', 'desc').orderBy('kid', 'desc').limit(limit).execute();
      },
      (row) => encodeCursor('signing_keys', [row.cursor_at, row.kid]),
    ),
  );
}

/** Keys of one algorithm, oldest first. */
export function listSigningKeysOf(db: TenantDb, alg: string): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().where('alg', '=', alg).orderBy('created_at').execute();
}

/** The keys still published at `now`: every key not yet past its `unpublish_at`. */
export function listPublishedKeys(db: TenantDb, now: Date) {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'state', 'public_jwk', 'private_jwk_encrypted', 'created_at', 'unpublish_at'])
    .where((eb) => eb.or([eb('unpublish_at', 'is', null), eb('unpublish_at', '>', now)]))
    .execute();
}

export function listSealedKeys(db: TenantDb): Promise<Pick<SigningKeyRow, 'kid' | 'private_jwk_encrypted'>[]> {
  return db.selectFrom('signing_keys').select(['kid', 'private_jwk_encrypted']).execute();
}

/** The algorithms the tenant signs with now. */
export async function activeKeyAlgs(db: TenantDb): Promise<string[]> {
  const rows = await db.selectFrom('signing_keys').select('alg').distinct().where('state', '=', 'active').execute();
  return rows.map((row) => row.alg);
}

export async function hasNextKey(db: TenantDb, alg: string): Promise<boolean> {
  return (await db.selectFrom('signing_keys').select('kid').where('state', '=', 'next').where('alg', '=', alg).executeTakeFirst()) !== undefined;
}

/** Replaces every key with `keys` in one transaction. */
export async function replaceAllSigningKeys(db: TenantDb, keys: Array<{ key: StoredKey; state: KeyState }>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('signing_keys').execute();
    for (const { key, state } of keys) await insertSigningKey(trx, key, state);
  });
}

export async function retireSigningKey(db: TenantDb, kid: string, now: Date, unpublishAt: Date | undefined): Promise<void> {
  await db.updateTable('signing_keys').set({ state: 'retired', retired_at: now, unpublish_at: unpublishAt }).where('kid', '=', kid).execute();
}

export async function activateSigningKey(db: TenantDb, kid: string, now: Date): Promise<void> {
  await db.updateTable('signing_keys').set({ state: 'active', activated_at: now }).where('kid', '=', kid).execute();
}

/** Deletes retired keys whose grace period is over; returns their kids. */
export async function removeUnpublishedKeys(db: TenantDb, now = new Date()): Promise<string[]> {
  const rows = await db
    .deleteFrom('signing_keys')
    .where('state', '=', 'retired')
    .where('unpublish_at', '<=', now)
    .returning('kid')
    .execute();
  return rows.map((r) => r.kid);
}

// Serialises rotations of one tenant (manual and scheduled) inside its own database; a
// transaction-level lock, so it also holds through a transaction-mode pooler.
const LOCK_CLASS = 7_411_002;
const ROTATION_LOCK = 1;

/** Waits for, then holds until `trx` ends, the tenant's key-rotation lock. */
export async function lockKeyRotation(trx: TenantDb): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${ROTATION_LOCK})`.execute(trx);
}
