import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { PlatformDatabase } from '../db/schema.ts';
import { createKysely, createPool, databaseExists, databaseUrl, withMaintenanceSession, createDatabase } from '../db/postgres.ts';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../db/embedded.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { resolveMasterKey } from '../crypto/master-key.ts';
import { createSecretBox, type SecretBox } from '../crypto/secret-box.ts';
import { ClusterDirectory } from './clusters.ts';
import { publishPublicUrl, storedPublicUrl } from './public-url.ts';
import { AppError, isAppError, pgCode } from '../errors.ts';
import path from 'node:path';

export const DEFAULT_PLATFORM_DATABASE = 'tansu_identity';

/** What the service and the CLI share: the platform database, the clusters, the master key. */
export interface Platform {
  readonly config: Config;
  readonly log: Logger;
  /** Base of every tenant's issuer; see OpenOptions.publicUrl for where it comes from. */
  readonly publicUrl: string;
  readonly db: Kysely<PlatformDatabase>;
  /** Direct URL of the platform database (LISTEN cannot pass a transaction-mode pooler). */
  readonly platformUrl: string;
  readonly secrets: SecretBox;
  readonly clusters: ClusterDirectory;
  /** Settles with a reason if the embedded PostgreSQL this process started dies under it. */
  readonly embeddedServerExited?: Promise<string> | undefined;
  close(): Promise<void>;
}

/** Where the platform lives: DATABASE_URL (its path names the platform database) or the embedded cluster. */
async function locateCluster(
  config: Config,
  log: Logger,
  options: OpenOptions,
): Promise<{ clusterUrl: string; servingClusterUrl: string; platformDatabase: string; embedded?: EmbeddedCluster }> {
  if (config.databaseUrl) {
    const name = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
    return {
      clusterUrl: databaseUrl(config.databaseDirectUrl ?? config.databaseUrl, 'postgres'),
      servingClusterUrl: databaseUrl(config.databaseUrl, 'postgres'),
      platformDatabase: name || DEFAULT_PLATFORM_DATABASE,
    };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPort,
    exclusive: options.exclusive,
    onWait: () => log.warn({ dataDir: config.dataDir }, 'another tansu process is starting or using the embedded PostgreSQL; waiting for it'),
    log: (line) => log.debug({ postgres: line }),
  }).catch((error: unknown) => {
    if (isAppError(error) && error.code === 'embedded_port_taken') {
      throw new AppError(error.code, `${error.message}: set TANSU_EMBEDDED_PG_PORT to a free port, or unset it to let tansu pick one`, error.status);
    }
    throw error;
  });
  if (embedded.owned) log.info({ dataDir: path.join(config.dataDir, 'pg'), port: new URL(embedded.url).port }, 'embedded PostgreSQL started');
  return { clusterUrl: embedded.url, servingClusterUrl: embedded.url, platformDatabase: DEFAULT_PLATFORM_DATABASE, embedded };
}

export interface OpenOptions {
  poolMax?: number;
  /** A short command: no other process may join an embedded server it starts (see startEmbeddedPostgres). */
  exclusive?: boolean;
  /**
   * Where `publicUrl` comes from. `publish`: a server, which serves config.publicUrl and records it
   * in the platform database; `stored`: a command, which prints issuers as the last server started
   * serves them (config.publicUrl until one has); `config` (default): config.publicUrl alone, for
   * tests and scripts that build and serve their own app.
   */
  publicUrl?: 'config' | 'publish' | 'stored';
}

async function resolvePublicUrl(db: Kysely<PlatformDatabase>, config: Config, log: Logger, source: OpenOptions['publicUrl']): Promise<string> {
  if (source === 'publish') await publishPublicUrl(db, config.publicUrl, log);
  if (source === 'stored') return (await storedPublicUrl(db)) ?? config.publicUrl;
  return config.publicUrl;
}

export async function openPlatform(config: Config, log: Logger, options: OpenOptions = {}): Promise<Platform> {
  const secrets = createSecretBox(resolveMasterKey(config));
  const { clusterUrl, servingClusterUrl, platformDatabase, embedded } = await locateCluster(config, log, options);
  let pool: pg.Pool | undefined;
  try {
    await withMaintenanceSession(clusterUrl, async (client) => {
      if (await databaseExists(client, platformDatabase)) return;
      try {
        await createDatabase(client, platformDatabase);
      } catch (error) {
        if (pgCode(error) !== '42P04') throw error; // created meanwhile by another node
      }
    });
    const platformUrl = databaseUrl(clusterUrl, platformDatabase);
    pool = createPool(databaseUrl(servingClusterUrl, platformDatabase), { max: options.poolMax ?? 10, applicationName: 'tansu-platform' });
    const db = createKysely<PlatformDatabase>(pool);
    await migrateToLatest(db, 'platform');
    const clusters = new ClusterDirectory(db, secrets, { direct: clusterUrl, serving: servingClusterUrl });
    const publicUrl = await resolvePublicUrl(db, config, log, options.publicUrl);
    return {
      config,
      log,
      publicUrl,
      db,
      platformUrl,
      secrets,
      clusters,
      embeddedServerExited: embedded?.exited,
      async close() {
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await pool?.end().catch(() => {});
    await embedded?.stop();
    throw error;
  }
}
