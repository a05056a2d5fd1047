import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startThrowawayCluster } from './throwaway-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL cluster the whole suite runs against. */
    clusterUrl: string;
  }
}

/**
 * One real PostgreSQL for the suite: TEST_DATABASE_URL when set, a testcontainers PostgreSQL when
 * TESTCONTAINERS=1 (needs Docker), otherwise a throwaway embedded cluster.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('clusterUrl', process.env.TEST_DATABASE_URL);
    return async () => {};
  }
  if (process.env.TESTCONTAINERS === '1') {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17').withDatabase('postgres').start();
    project.provide('clusterUrl', container.getConnectionUri());
    return async () => {
      await container.stop();
    };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-test-'));
  const cluster = await startThrowawayCluster(dataDir, { max_connections: '800' });
  project.provide('clusterUrl', cluster.url);
  // Killed outright (SIGTERM to this process alone), the throwaway server still stops.
  const stopOnTerm = () => void cluster.stop().finally(() => process.exit(143));
  process.once('SIGTERM', stopOnTerm);
  return async () => {
    process.off('SIGTERM', stopOnTerm);
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
