import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

/**
 * TANSU_MASTER_KEY when set; otherwise (never in production) a key generated once into the data
 * directory, so the embedded default needs no setup and survives restarts.
 */
export function resolveMasterKey(config: Config): Buffer {
  if (config.masterKey) return config.masterKey;
  if (config.env === 'production') {
    throw new AppError('invalid_config', 'TANSU_MASTER_KEY is required when NODE_ENV=production');
  }
  const file = path.join(config.dataDir, 'master.key');
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new AppError('invalid_config', `${file} does not hold a 32-byte base64 key`);
  return key;
}
