import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config.ts';
import { SERVER_START_MS } from './eventually.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The Node 24 the project runs on, whatever `node` is first on PATH. */
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const BIN = path.join(ROOT, 'bin/tansu.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment that points the real `tansu` at a test platform's database and master key. */
export function cliEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TANSU_DATA_DIR: config.dataDir,
    PUBLIC_URL: config.publicUrl,
    ...extra,
  };
  if (config.databaseUrl) env.DATABASE_URL = config.databaseUrl;
  if (config.masterKey) env.TANSU_MASTER_KEY = config.masterKey.toString('base64');
  return env;
}

/** Spawns `node bin/tansu.js …` as a user would; resolves with its exit code and both streams. */
export function runTansu(args: readonly string[], env: Record<string, string>, timeoutMs = SERVER_START_MS): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(NODE, [BIN, ...args], { cwd: ROOT, env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}
