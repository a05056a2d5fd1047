import crypto from 'node:crypto';
import type Provider from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { insertUnlessLive } from './adapter.ts';

/**
 * oidc-provider refuses a DPoP proof or a client assertion (private_key_jwt) whose `jti` it saw
 * before, through `ReplayDetection.unique`: it looks the `jti` up and, not finding it, saves it.
 * Two requests with the same proof at the same moment both look before either saves, and both
 * pass. Here the check and the save are one INSERT (adapter.ts insertUnlessLive), so exactly one
 * of them is first. Same row as the provider's own (model, id and payload), so nothing else changes.
 */
export function detectReplaysAtomically(provider: Provider, db: TenantDb): void {
  const ReplayDetection = provider.ReplayDetection as unknown as { unique(iss: string, jti: string, exp: number): Promise<boolean> };
  ReplayDetection.unique = async (iss, jti, exp) => {
    const id = crypto.hash('sha256', `${iss}${jti}`, 'base64url');
    const now = Math.floor(Date.now() / 1000);
    return insertUnlessLive(db, 'ReplayDetection', id, { jti: id, iss, iat: now, exp, kind: 'ReplayDetection' }, exp - now);
  };
}
