/**
 * Wall-clock timings of the fleet operations on one tenant with OPS_USERS users (default 10,000):
 * backup, restore over itself, restore as a copy, move to a second cluster and back (with the
 * 503 window), key rotation. Starts two throwaway embedded clusters; needs pg_dump/pg_restore 15.
 *
 *   node scripts/ops-timings.ts            OPS_USERS=200000 node scripts/ops-timings.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { openPlatform } from '../src/platform/platform.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { createTenant, deleteTenant } from '../src/provisioning/tenants.service.ts';
import { backupTenant } from '../src/provisioning/backup.ts';
import { restoreTenant } from '../src/provisioning/restore.ts';
import { moveTenant } from '../src/provisioning/move.ts';
import { rotateTenantKeys } from '../src/modules/keys/keys.service.ts';
import { withTenantScope } from '../src/platform/tenant-access.ts';
import { CLI_ACTOR } from '../src/platform/tenant-scope.ts';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-ops-timings-'));
fs.chmodSync(work, 0o755); // the embedded server runs as `postgres` when we are root
const port = 41_000 + Math.floor(Math.random() * 10_000);
const config = loadConfig({
  NODE_ENV: 'test', TANSU_DATA_DIR: path.join(work, 'main'), TANSU_EMBEDDED_PG_PORT: String(port), LOG_LEVEL: 'silent',
  TANSU_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
});
const platform = await openPlatform(config, createLogger(config));
const c2 = await startEmbeddedPostgres({ dataDir: path.join(work, 'c2'), port: port + 1, ephemeral: true });
await platform.clusters.add('c2', c2.url);
const id = 'timed';
const users = Number(process.env.OPS_USERS ?? 10_000);
let t = performance.now();
const lap = (label: string) => {
  const now = performance.now();
  console.log(label.padEnd(44), String(Math.round(now - t)).padStart(6), 'ms');
  t = now;
};
await createTenant(platform, { id, cluster: 'main' });
lap('create tenant');
await withTenantScope(platform, id, ({ db }) => sql`INSERT INTO users (email, password_hash) SELECT 'u' || g || '@m.test', '$argon2id$v=19$m=19456,t=2,p=1$x$y' FROM generate_series(1, ${users}) g`.execute(db));
lap(`insert ${users} users`);
const backup = await backupTenant(platform, id, { out: path.join(work, `${id}.tansu-backup`) });
lap(`backup (${backup.bytes} bytes)`);
await restoreTenant(platform, { from: backup.path, force: true });
lap('restore --force (replace)');
await restoreTenant(platform, { from: backup.path, as: `${id}-copy` });
lap('restore --as (new tenant)');
const moved = await moveTenant(platform, id, { to: 'c2' });
lap(`move main→c2 (503 window ${moved.unavailableMs} ms)`);
const back = await moveTenant(platform, id, { to: 'main' });
lap(`move c2→main (503 window ${back.unavailableMs} ms)`);
await withTenantScope(platform, id, (scope) => rotateTenantKeys(scope, {}, CLI_ACTOR));
lap('keys rotate');
await deleteTenant(platform, id);
await deleteTenant(platform, `${id}-copy`);
await platform.close();
await c2.stop();
fs.rmSync(work, { recursive: true, force: true });
