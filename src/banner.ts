import path from 'node:path';
import type { Platform } from './platform/platform.ts';
import { redactUrl } from './db/postgres.ts';
import { logsForPeople } from './logger.ts';

/**
 * What a node says once it serves: where it answers, where its data is, which master key it uses
 * and what to run next. On a terminal in development a few plain lines on stderr; elsewhere one
 * `tansu is ready` log line with the same facts as fields.
 */
export function announceReady(platform: Platform, extra: Record<string, unknown> = {}): void {
  const { config, log } = platform;
  const embedded = config.databaseUrl === undefined;
  const database = redactUrl(platform.platformUrl);
  const masterKey = config.masterKey ? 'from TANSU_MASTER_KEY' : `${path.join(config.dataDir, 'master.key')} (generated here; back it up: losing it loses every tenant's signing keys)`;
  const next = config.env === 'production' ? 'tansu tenant create <id>' : 'npm run demo';
  if (!logsForPeople(config)) {
    log.info({ url: config.publicUrl, database, dataDir: embedded ? config.dataDir : undefined, masterKey, next, ...extra }, 'tansu is ready');
    return;
  }
  const lines = [
    '',
    `  Tansu Identity is ready at ${config.publicUrl}`,
    '',
    `  database    ${database}${embedded ? ` (embedded, in ${path.join(config.dataDir, 'pg')})` : ''}`,
    `  master key  ${masterKey}`,
    '',
    `  next        ${next.padEnd(36)} a demo tenant, clients and a user to sign in with`,
    `              ${'npm run tansu -- tenant create <id>'.padEnd(36)} a tenant of your own (npm run tansu -- --help)`,
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
