import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded.ts';

/** Fast and disposable: a crash loses nothing a test needs. */
const THROWAWAY_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

/**
 * A throwaway embedded PostgreSQL in `dataDir` on a random port below Linux's ephemeral range
 * (32768+); another cluster may hold the port it picks, so it tries a few.
 */
export async function startThrowawayCluster(dataDir: string, settings: Record<string, string> = {}): Promise<EmbeddedCluster & { port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    try {
      const cluster = await startEmbeddedPostgres({ dataDir, port, ephemeral: true, settings: { ...THROWAWAY_SETTINGS, ...settings } });
      return Object.assign(cluster, { port });
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
