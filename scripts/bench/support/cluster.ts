/**
 * The PostgreSQL a benchmark runs against: DATABASE_URL when set (its path names the platform
 * database), otherwise a throwaway embedded cluster that is removed when the run ends.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../../src/db/embedded.ts';
import { databaseUrl } from '../../../src/db/postgres.ts';

export interface BenchCluster {
  /** What the server under test and the bench process use as DATABASE_URL. */
  readonly databaseUrl: string;
  /** One master key for the whole run: the bench seals keys that the server must open. */
  readonly masterKey: string;
  /** Started for this run (or marked BENCH_THROWAWAY=1 by the suite): benchmarks may alter it freely. */
  readonly throwaway: boolean;
  stop(): Promise<void>;
}

const BENCH_PLATFORM_DATABASE = 'tansu_identity';

export async function openBenchCluster(): Promise<BenchCluster> {
  const masterKey = process.env.TANSU_MASTER_KEY || crypto.randomBytes(32).toString('base64');
  if (process.env.DATABASE_URL) {
    return { databaseUrl: process.env.DATABASE_URL, masterKey, throwaway: process.env.BENCH_THROWAWAY === '1', stop: async () => {} };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-bench-'));
  const cluster = await startOnSomePort(dataDir);
  return {
    databaseUrl: databaseUrl(cluster.url, BENCH_PLATFORM_DATABASE),
    masterKey,
    throwaway: true,
    async stop() {
      await cluster.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `work` against the run's cluster; a throwaway one is stopped and removed afterwards. */
export async function withBenchCluster<T>(work: (cluster: BenchCluster) => Promise<T>): Promise<T> {
  const cluster = await openBenchCluster();
  try {
    return await work(cluster);
  } finally {
    await cluster.stop();
  }
}

/** A random free-looking port; another process may take it first, so try a few. */
async function startOnSomePort(dataDir: string) {
  for (let attempt = 1; ; attempt++) {
    const port = 40_000 + Math.floor(Math.random() * 10_000);
    try {
      // Durable defaults (fsync on): provisioning figures are what a real server would see.
      return await startEmbeddedPostgres({ dataDir, port, ephemeral: true, settings: { max_connections: '1000' } });
    } catch (error) {
      if (attempt === 3) throw error instanceof Error ? error : new Error(`embedded PostgreSQL did not start: ${String(error)}`);
    }
  }
}
