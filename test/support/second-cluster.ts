import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { openTestPlatform, type TestPlatform } from './platform.ts';
import { buildApp } from '../../src/app.ts';
import { startThrowawayCluster } from './throwaway-cluster.ts';
import { dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';

export interface SecondCluster {
  url: string;
  port: number;
  /** Drops the tenant databases left on it, stops it and removes its files. */
  stop(): Promise<void>;
}

/** A second, throwaway PostgreSQL cluster for tests that place or move tenants between clusters. */
export async function startSecondCluster(): Promise<SecondCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-c2-'));
  const cluster = await startThrowawayCluster(dir);
  return {
    url: cluster.url,
    port: cluster.port,
    async stop() {
      await withMaintenanceSession(cluster.url, async (client) => {
        const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tansu_%'");
        for (const row of rows) await dropDatabase(client, row.datname);
      });
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ProbeAnswer {
  /** The port of the PostgreSQL server that answered: which cluster serves the tenant. */
  port: number;
  users: number;
  emails: string[];
}

/** `GET /t/:tenant/probe`: reads the tenant's database through its cached TenantContext. */
export function addTenantProbe(app: FastifyInstance): void {
  app.get('/t/:tenant/probe', (request) =>
    app.tenants.use((request.params as { tenant: string }).tenant, async ({ db }) => {
      const { rows } = await sql<{ port: number; emails: string[] }>`
        SELECT inet_server_port() AS port, ARRAY(SELECT email::text FROM users ORDER BY email) AS emails`.execute(db);
      return { port: rows[0]!.port, users: rows[0]!.emails.length, emails: rows[0]!.emails } satisfies ProbeAnswer;
    }),
  );
}

export interface MoveBed {
  second: SecondCluster;
  platform: TestPlatform;
  /** A node with the tenant probe, listening for tenant changes. */
  app: FastifyInstance;
  close(): Promise<void>;
}

/** What the move tests run on: a second cluster, a platform and a node that serves the probe. */
export async function startMoveBed(): Promise<MoveBed> {
  const second = await startSecondCluster();
  const platform = await openTestPlatform();
  const app = await buildApp({ platform });
  addTenantProbe(app);
  await app.ready();
  await app.tenantChanges.ready;
  return {
    second,
    platform,
    app,
    async close() {
      await app.close();
      // Tenants left on the second cluster die with it; the platform's own cleanup covers the main one.
      await second.stop();
      await platform.destroy().catch(() => {});
    },
  };
}
