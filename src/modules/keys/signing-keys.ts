import crypto from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import {
  activeKeyAlgs, insertSigningKey, listPublishedKeys, listSealedKeys, replaceAllSigningKeys, type KeyState, type SigningKeyRow,
} from './signing-keys.repository.ts';

// Provisioning stores a new tenant's first keys with insertSigningKey, next to generateSigningKey.
export { insertSigningKey, type KeyState, type SigningKeyRow };

export type SigningAlg = 'RS256' | 'ES256';

const keyContext = (tenantId: string, kid: string) => `tenant:${tenantId}:signing-key:${kid}`;

export interface GeneratedKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  sealedPrivateJwk: string;
}

/** A fresh key pair; the private JWK leaves this function only sealed under the master key. */
export async function generateSigningKey(tenantId: string, alg: SigningAlg, secrets: SecretBox): Promise<GeneratedKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const kid = crypto.randomBytes(12).toString('base64url');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, publicJwk, sealedPrivateJwk: secrets.seal(JSON.stringify(privateJwk), keyContext(tenantId, kid)) };
}

export function openPrivateJwk(tenantId: string, row: Pick<SigningKeyRow, 'kid' | 'private_jwk_encrypted'>, secrets: SecretBox): JWK {
  return JSON.parse(secrets.open(row.private_jwk_encrypted, keyContext(tenantId, row.kid))) as JWK;
}

const STATE_ORDER: Record<KeyState, number> = { active: 0, next: 1, retired: 2 };

export interface PublishedKeySet {
  /** Private JWKs, active first (oidc-provider signs with the first key that matches the algorithm). */
  jwks: JWK[];
  /** The same keys' public halves, as the tenant's JWKS publishes them: what its tokens are verified with. */
  publicJwks: JWK[];
  /** When the first of them stops being published (a retired key's grace ends); undefined if none will. */
  changesAt: Date | undefined;
}

/**
 * The keys a tenant's provider is built with: every key still published (active, next, retired
 * within its grace period) at `now`. The set is fixed once built, so it also says when it goes stale.
 */
export async function loadPublishedKeySet(db: TenantDb, tenantId: string, secrets: SecretBox, now = new Date()): Promise<PublishedKeySet> {
  const rows = await listPublishedKeys(db, now);
  rows.sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.created_at.getTime() - a.created_at.getTime());
  const unpublishTimes = rows.flatMap((row) => (row.unpublish_at ? [row.unpublish_at.getTime()] : []));
  return {
    jwks: rows.map((row) => openPrivateJwk(tenantId, row, secrets)),
    publicJwks: rows.map((row) => row.public_jwk as JWK),
    changesAt: unpublishTimes.length > 0 ? new Date(Math.min(...unpublishTimes)) : undefined,
  };
}

/**
 * Opens every private key of a restored database and returns how many there are: a backup whose
 * keys do not open was taken under another master key, and the tenant could not sign with them.
 */
export async function checkSigningKeysOpen(db: TenantDb, tenantId: string, secrets: SecretBox): Promise<number> {
  const rows = await listSealedKeys(db);
  for (const row of rows) secrets.open(row.private_jwk_encrypted, keyContext(tenantId, row.kid));
  return rows.length;
}

/**
 * Replaces every key with fresh ones (an active and a next key for each algorithm the tenant
 * signed with): a copy of a tenant restored under another id must not sign, or publish, what the
 * original does. Returns how many keys it now has.
 */
export async function replaceSigningKeys(db: TenantDb, tenantId: string, secrets: SecretBox): Promise<number> {
  const activeAlgs = (await activeKeyAlgs(db)) as SigningAlg[];
  const algs: SigningAlg[] = activeAlgs.length > 0 ? activeAlgs : ['RS256'];
  const fresh = await Promise.all(algs.map(async (alg) => [await generateSigningKey(tenantId, alg, secrets), await generateSigningKey(tenantId, alg, secrets)] as const));
  await replaceAllSigningKeys(db, fresh.flatMap(([active, next]) => [{ key: active, state: 'active' as KeyState }, { key: next, state: 'next' as KeyState }]));
  return fresh.length * 2;
}
