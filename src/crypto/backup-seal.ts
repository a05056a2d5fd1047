import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { resolveMasterKey } from './master-key.ts';

/**
 * The key that seals backup files (HMAC-SHA256), derived from the master key with HKDF under a
 * label of its own: a backup is accepted only by a platform that holds the same master key, and
 * the key used for backups is never the one that encrypts secrets or signs cookies.
 */
export interface BackupSealKey {
  readonly key: Buffer;
  /**
   * Names the key without revealing it (an HMAC of a fixed label under it), so a backup from
   * another platform is reported as such instead of as a damaged file.
   */
  readonly id: string;
}

const SEAL_LABEL = 'tansu backup seal v1';
const KEY_ID_LABEL = 'tansu backup seal key id';

export function deriveBackupSealKey(masterKey: Buffer): BackupSealKey {
  const key = Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), SEAL_LABEL, 32));
  const id = crypto.createHmac('sha256', key).update(KEY_ID_LABEL).digest().subarray(0, 8).toString('hex');
  return { key, id };
}

const sealKeys = new WeakMap<Config, BackupSealKey>();

/** The seal key of this platform's master key (TANSU_MASTER_KEY, or the generated one in the data dir). */
export function backupSealKey(config: Config): BackupSealKey {
  let sealKey = sealKeys.get(config);
  if (!sealKey) {
    sealKey = deriveBackupSealKey(resolveMasterKey(config));
    sealKeys.set(config, sealKey);
  }
  return sealKey;
}
