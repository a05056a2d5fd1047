import type { Kysely, Selectable } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';

/** A registered cluster; its URLs are sealed under the master key (ClusterDirectory opens them). */
export type ClusterRow = Selectable<PlatformDatabase['clusters']>;
type Db = Kysely<PlatformDatabase>;

export function findCluster(db: Db, name: string): Promise<ClusterRow | undefined> {
  return db.selectFrom('clusters').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listClusterNames(db: Db): Promise<string[]> {
  return (await db.selectFrom('clusters').select('name').orderBy('name').execute()).map((row) => row.name);
}

/** Fails with a unique violation (23505) when the name is taken. */
export async function insertCluster(db: Db, cluster: { name: string; urlEncrypted: string; pooledUrlEncrypted: string | null }): Promise<void> {
  await db
    .insertInto('clusters')
    .values({ name: cluster.name, url_encrypted: cluster.urlEncrypted, pooled_url_encrypted: cluster.pooledUrlEncrypted })
    .execute();
}

/** Fails with a foreign-key violation (23503) while a tenant row names the cluster. */
export async function deleteCluster(db: Db, name: string): Promise<void> {
  await db.deleteFrom('clusters').where('name', '=', name).execute();
}

/** Every registered cluster with its number of tenants (any status), empty ones included. */
export async function countTenantsByCluster(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('clusters')
    .leftJoin('tenants', 'tenants.cluster', 'clusters.name')
    .select(['clusters.name', (eb) => eb.fn.count<string>('tenants.id').as('tenants')])
    .groupBy('clusters.name')
    .execute();
  return new Map(rows.map((r) => [r.name, Number(r.tenants)]));
}
