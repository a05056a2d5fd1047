import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { resolveMasterKey } from '../../src/crypto/master-key.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-master-key-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it('generates a key into the data dir once, readable only by its owner, and reuses it', () => {
  const config = loadConfig({ NODE_ENV: 'development', TANSU_DATA_DIR: dataDir });
  const first = resolveMasterKey(config);
  expect(first).toHaveLength(32);
  const file = path.join(dataDir, 'master.key');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(resolveMasterKey(loadConfig({ NODE_ENV: 'development', TANSU_DATA_DIR: dataDir })).equals(first)).toBe(true);
});

it('prefers TANSU_MASTER_KEY over the generated file', () => {
  const key = Buffer.alloc(32, 7);
  const config = loadConfig({ NODE_ENV: 'development', TANSU_DATA_DIR: dataDir, TANSU_MASTER_KEY: key.toString('base64') });
  expect(resolveMasterKey(config).equals(key)).toBe(true);
});

it('requires TANSU_MASTER_KEY in production, and rejects a key that is not 32 bytes', () => {
  expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1/tansu_identity' })).toThrow(/TANSU_MASTER_KEY is required/);
  expect(() => loadConfig({ NODE_ENV: 'development', TANSU_MASTER_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/TANSU_MASTER_KEY/);
});

it('refuses a damaged key file instead of replacing it', () => {
  const dir = path.join(dataDir, 'damaged');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'master.key'), 'c2hvcnQ=\n');
  expect(() => resolveMasterKey(loadConfig({ NODE_ENV: 'development', TANSU_DATA_DIR: dir }))).toThrow(/32-byte/);
  expect(fs.readFileSync(path.join(dir, 'master.key'), 'utf8')).toBe('c2hvcnQ=\n');
});
