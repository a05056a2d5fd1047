import type { Kysely } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { AppError, notFound, pgCode } from '../errors.ts';
import { countTenantsByCluster, deleteCluster, findCluster, insertCluster, listClusterNames } from './clusters.repository.ts';
import { databaseUrl, redactUrl, systemIdentifier, withMaintenanceSession } from '../db/postgres.ts';

import { MAIN_CLUSTER } from './main-cluster.ts';

export { MAIN_CLUSTER };
const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,30}$/;

export interface ClusterInfo {
  name: string;
  url: string;
  /** Requests reach this cluster through a pooler (redacted URL), or undefined when direct. */
  pooledUrl: string | undefined;
  tenants: number;
}

/** How to reach one cluster: directly (admin work) and for requests (maybe through a pooler). */
export interface ClusterUrls {
  direct: string;
  serving: string;
}

/**
 * The registry of PostgreSQL clusters tenants can live on. `main` is the platform's own cluster;
 * the others are stored with their URLs encrypted under the master key.
 */
export class ClusterDirectory {
  readonly #db: Kysely<PlatformDatabase>;
  readonly #secrets: SecretBox;
  readonly #main: ClusterUrls;
  readonly #urls = new Map<string, ClusterUrls>();

  constructor(db: Kysely<PlatformDatabase>, secrets: SecretBox, main: ClusterUrls) {
    this.#db = db;
    this.#secrets = secrets;
    this.#main = main;
  }

  /** URL for serving requests (its `postgres` database): through the cluster's pooler when it has one. */
  async urlOf(name: string): Promise<string> {
    return (await this.#lookup(name)).serving;
  }

  /** Direct URL (no pooler) for CREATE/DROP DATABASE, dumps, restores and session locks. */
  async adminUrlOf(name: string): Promise<string> {
    return (await this.#lookup(name)).direct;
  }

  async #lookup(name: string): Promise<ClusterUrls> {
    if (name === MAIN_CLUSTER) return this.#main;
    const cached = this.#urls.get(name);
    if (cached) return cached;
    const row = await findCluster(this.#db, name);
    if (!row) throw notFound('cluster', name);
    const direct = row.url_encrypted ? this.#secrets.open(row.url_encrypted, `cluster:${name}`) : this.#main.direct;
    const serving = row.pooled_url_encrypted ? this.#secrets.open(row.pooled_url_encrypted, `cluster:${name}:pooled`) : direct;
    const urls = { direct, serving };
    this.#urls.set(name, urls);
    return urls;
  }

  /** Registers a cluster after connecting to it; `pooledUrl` is optional (a pooler in front of it). */
  async add(name: string, url: string, pooledUrl?: string): Promise<void> {
    if (!CLUSTER_NAME.test(name)) {
      throw new AppError('invalid_cluster_name', `"${name}" is not a valid cluster name (lowercase letters, digits, hyphens)`);
    }
    const maintenanceUrl = databaseUrl(postgresUrl(url), 'postgres');
    const pooledMaintenanceUrl = pooledUrl === undefined ? undefined : databaseUrl(postgresUrl(pooledUrl), 'postgres');
    if (name === MAIN_CLUSTER || (await findCluster(this.#db, name))) {
      throw clusterExists(name);
    }
    for (const candidate of [maintenanceUrl, pooledMaintenanceUrl]) {
      if (!candidate) continue;
      try {
        await withMaintenanceSession(candidate, (client) => client.query('SELECT 1'));
      } catch (error) {
        throw new AppError('cluster_unreachable', `cannot connect to ${redactUrl(candidate)}: ${(error as Error).message}`, 502);
      }
    }
    await this.#refuseRegisteredServer(maintenanceUrl);
    try {
      await insertCluster(this.#db, {
        name,
        urlEncrypted: this.#secrets.seal(maintenanceUrl, `cluster:${name}`),
        pooledUrlEncrypted: pooledMaintenanceUrl ? this.#secrets.seal(pooledMaintenanceUrl, `cluster:${name}:pooled`) : null,
      });
    } catch (error) {
      if (pgCode(error) === '23505') throw clusterExists(name);
      throw error;
    }
  }

  /**
   * The same server under two names would count its tenants twice for placement, and a move
   * between the two would drop the database it had just copied. Servers are told apart by the
   * system identifier initdb gave them, whatever host name or address reaches them; a registered
   * cluster that cannot be reached right now cannot be compared and is passed over.
   */
  async #refuseRegisteredServer(url: string): Promise<void> {
    const identity = await systemIdentifierOf(url);
    const names = [MAIN_CLUSTER, ...(await listClusterNames(this.#db)).filter((name) => name !== MAIN_CLUSTER)];
    for (const name of names) {
      const other = await this.adminUrlOf(name).then(systemIdentifierOf).catch(() => undefined);
      if (other === identity) {
        throw new AppError('cluster_server_exists', `${redactUrl(url)} is the PostgreSQL server of cluster "${name}" already`, 409, { cluster: name });
      }
    }
  }

  /** Unregisters a cluster that holds no tenant (any status); its own databases stay on the server. */
  async remove(name: string): Promise<void> {
    if (name === MAIN_CLUSTER) throw new AppError('cluster_main', `cluster "${MAIN_CLUSTER}" is the platform's own and cannot be removed`, 409);
    const tenants = (await countTenantsByCluster(this.#db)).get(name);
    if (tenants === undefined) throw notFound('cluster', name);
    if (tenants > 0) throw clusterNotEmpty(name, tenants);
    try {
      await deleteCluster(this.#db, name);
    } catch (error) {
      // A tenant placed there meanwhile: the registry's foreign key keeps the cluster.
      if (pgCode(error) === '23503') throw clusterNotEmpty(name, tenants + 1);
      throw error;
    }
    this.#urls.delete(name);
  }

  async list(): Promise<ClusterInfo[]> {
    const counts = await countTenantsByCluster(this.#db);
    const names = [...counts.keys()].sort();
    return Promise.all(
      names.map(async (name) => {
        const urls = await this.#lookup(name);
        return {
          name,
          url: redactUrl(urls.direct),
          pooledUrl: urls.serving === urls.direct ? undefined : redactUrl(urls.serving),
          tenants: counts.get(name) ?? 0,
        };
      }),
    );
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

const clusterExists = (name: string) => new AppError('cluster_exists', `cluster "${name}" already exists`, 409);
const clusterNotEmpty = (name: string, tenants: number) =>
  new AppError('cluster_not_empty', `cluster "${name}" still holds ${tenants === 1 ? 'a tenant' : `${tenants} tenants`}; move or delete them first (tansu tenant move <id> --to <cluster>)`, 409, { tenants });

function systemIdentifierOf(url: string): Promise<string> {
  return withMaintenanceSession(url, systemIdentifier);
}

function postgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('invalid_cluster_url', 'the cluster URL is not a URL');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new AppError('invalid_cluster_url', 'the cluster URL must start with postgres://');
  }
  return url;
}
