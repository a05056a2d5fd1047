import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openTestPlatform, clusterUrl, type TestPlatform } from '../../support/platform.ts';
import { buildApp } from '../../../src/app.ts';
import { setConnectionsAllowed, terminateConnections, withMaintenanceSession } from '../../../src/db/postgres.ts';

let platform: TestPlatform;
let app: FastifyInstance;
let platformDatabase: string;

beforeAll(async () => {
  platform = await openTestPlatform();
  platformDatabase = new URL(platform.config.databaseUrl!).pathname.slice(1);
  app = await buildApp({ platform });
  await app.ready();
});
afterAll(async () => {
  await withMaintenanceSession(clusterUrl(), (client) => setConnectionsAllowed(client, platformDatabase, true));
  await app?.close();
  await platform.destroy();
});

describe('/healthz', () => {
  it('answers 200 while the platform database is reachable, 503 while it is not, and recovers', async () => {
    const healthy = await app.inject({ method: 'GET', url: '/healthz' });
    expect(healthy.statusCode).toBe(200);
    expect(healthy.json()).toEqual({ status: 'ok' });

    // Really unreachable: the server refuses new sessions to the database and ends the open ones.
    await withMaintenanceSession(clusterUrl(), async (client) => {
      await setConnectionsAllowed(client, platformDatabase, false);
      await terminateConnections(client, platformDatabase);
    });
    const down = await app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', error: 'database_unreachable', error_description: expect.any(String) });

    await withMaintenanceSession(clusterUrl(), (client) => setConnectionsAllowed(client, platformDatabase, true));
    const back = await app.inject({ method: 'GET', url: '/healthz' });
    expect(back.statusCode).toBe(200);
  });
});
