import type { Kysely } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { AppError, notFound, pgCode } from '../errors.ts';
import { countTenantsByCluster } from './tenants.repository.ts';
import { databaseUrl, redactUrl, withMaintenanceSession } from '../db/postgres.ts';

export const MAIN_CLUSTER = 'main';
const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,30}$/;

export interface ClusterInfo {
  name: string;
  url: string;
  tenants: number;
}

/**
 * The registry of PostgreSQL clusters tenants can live on. `main` is the platform's own cluster;
 * the others are stored with their URL encrypted under the master key.
 */
export class ClusterDirectory {
  readonly #db: Kysely<PlatformDatabase>;
  readonly #secrets: SecretBox;
  readonly #mainUrl: string;
  readonly #urls = new Map<string, string>();

  constructor(db: Kysely<PlatformDatabase>, secrets: SecretBox, mainUrl: string) {
    this.#db = db;
    this.#secrets = secrets;
    this.#mainUrl = mainUrl;
  }

  /** Connection URL of a cluster (its `postgres` maintenance database). */
  async urlOf(name: string): Promise<string> {
    if (name === MAIN_CLUSTER) return this.#mainUrl;
    const cached = this.#urls.get(name);
    if (cached) return cached;
    const row = await this.#db.selectFrom('clusters').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound('cluster', name);
    const url = row.url_encrypted ? this.#secrets.open(row.url_encrypted, `cluster:${name}`) : this.#mainUrl;
    this.#urls.set(name, url);
    return url;
  }

  async add(name: string, url: string): Promise<void> {
    if (!CLUSTER_NAME.test(name)) {
      throw new AppError('invalid_cluster_name', `"${name}" is not a valid cluster name (lowercase letters, digits, hyphens)`);
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError('invalid_cluster_url', 'the cluster URL is not a URL');
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
      throw new AppError('invalid_cluster_url', 'the cluster URL must start with postgres://');
    }
    const maintenanceUrl = databaseUrl(url, 'postgres');
    try {
      await withMaintenanceSession(maintenanceUrl, (client) => client.query('SELECT 1'));
    } catch (error) {
      throw new AppError('cluster_unreachable', `cannot connect to ${redactUrl(maintenanceUrl)}: ${(error as Error).message}`);
    }
    try {
      await this.#db
        .insertInto('clusters')
        .values({ name, url_encrypted: this.#secrets.seal(maintenanceUrl, `cluster:${name}`) })
        .execute();
    } catch (error) {
      if (pgCode(error) === '23505') throw new AppError('cluster_exists', `cluster "${name}" already exists`, 409);
      throw error;
    }
  }

  async list(): Promise<ClusterInfo[]> {
    const counts = await countTenantsByCluster(this.#db);
    const names = [...counts.keys()].sort();
    return Promise.all(names.map(async (name) => ({ name, url: redactUrl(await this.urlOf(name)), tenants: counts.get(name) ?? 0 })));
  }

  /** Default placement: the cluster holding the fewest tenants (ties: `main` first, then by name). */
  async leastLoaded(): Promise<string> {
    const counts = await countTenantsByCluster(this.#db);
    let best = MAIN_CLUSTER;
    for (const [name, count] of [...counts].sort(([a], [b]) => (a === MAIN_CLUSTER ? -1 : b === MAIN_CLUSTER ? 1 : a.localeCompare(b)))) {
      if (count < (counts.get(best) ?? Infinity)) best = name;
    }
    return best;
  }
}
