import type { ClusterInfo } from './clusters.ts';

/** A cluster as `tansu cluster … --json` prints it: snake_case, its URLs password-redacted. */
export interface ClusterView {
  name: string;
  url: string;
  /** The pooler requests go through (redacted), or null when they go to the server directly. */
  pooled_url: string | null;
  tenants: number;
}

export function clusterView(cluster: ClusterInfo): ClusterView {
  return { name: cluster.name, url: cluster.url, pooled_url: cluster.pooledUrl ?? null, tenants: cluster.tenants };
}
