import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { openTestPlatform, testConfig, type TestPlatform } from './platform.ts';
import type { Platform } from '../../src/platform/platform.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { createLogger } from '../../src/logger.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { clusterUrl } from './platform.ts';
import { testScope } from './scope.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';

export interface TestNode {
  /** Where this node listens (differs per node; the issuer is the first node's URL). */
  url: string;
  app: FastifyInstance;
}

export interface OidcTestBed {
  platform: TestPlatform;
  /** Every node serves every tenant from the same platform database, like nodes behind a balancer. */
  nodes: TestNode[];
  publicUrl: string;
  /** Tenant databases opened by the test, closed before the platform is dropped. */
  tenantDbs: TenantDb[];
  close(): Promise<void>;
}

async function listenOnFreePort(): Promise<http.Server> {
  const server = http.createServer();
  // Longer than any pause of a loaded test process: with Node's 5 s, a test that keeps the CPU
  // busy a few seconds (compiling schemas) lets the server drop a kept-alive socket just as the
  // test's fetch reuses it, and that fetch fails with ECONNRESET. The client now closes first.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Real HTTP: each node is a raw http.Server bound to a free port first, so PUBLIC_URL can name the
 * port before buildApp reads the config; the server then hands requests to Fastify's router.
 */
export interface TestBedOptions {
  /** Collects every log line of the nodes, at trace level (for tests about what gets logged). */
  logLines?: string[];
  /** Extra environment for the nodes' config, e.g. TRUSTED_PROXIES. */
  env?: Record<string, string>;
  /**
   * The host name in the nodes' URLs (they listen on 127.0.0.1 either way): `localhost` for
   * tests whose browser needs a secure context with a domain name (WebAuthn refuses IP addresses).
   */
  publicHost?: string;
}

export async function startOidcTestBed(nodeCount = 1, options: TestBedOptions = {}): Promise<OidcTestBed> {
  const servers = await Promise.all(Array.from({ length: nodeCount }, listenOnFreePort));
  const urlOf = (server: http.Server) => `http://${options.publicHost ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  const publicUrl = urlOf(servers[0]!);
  const config = testConfig({ PUBLIC_URL: publicUrl, ...options.env });
  const platform = await openTestPlatform(config);
  const extraPlatforms: Platform[] = [];
  const nodes: TestNode[] = [];
  for (const [index, server] of servers.entries()) {
    const nodePlatform = index === 0 ? platform : await openPlatform(config, createLogger(config), { poolMax: 2 });
    if (index > 0) extraPlatforms.push(nodePlatform);
    const { logLines } = options;
    const log = logLines ? createLogger({ logLevel: 'trace' }, { write: (line: string) => void logLines.push(line) }) : nodePlatform.log;
    const app = await buildApp({ platform: { ...nodePlatform, log } });
    await app.ready();
    await app.tenantChanges.ready;
    server.on('request', (req, res) => app.routing(req, res));
    nodes.push({ url: urlOf(server), app });
  }
  const tenantDbs: TenantDb[] = [];
  return {
    platform,
    nodes,
    publicUrl,
    tenantDbs,
    async close() {
      for (const db of tenantDbs) await db.destroy();
      for (const [index, node] of nodes.entries()) {
        servers[index]!.closeAllConnections();
        await new Promise<void>((resolve) => servers[index]!.close(() => resolve()));
        await node.app.close();
      }
      for (const extra of extraPlatforms) await extra.close();
      await platform.destroy();
    },
  };
}

/** A tenant and a scope on a direct connection to its database: what the services take. */
export interface TestTenant extends TenantScope {
  issuer: string;
  adminEmail: string;
  adminPassword: string;
}

export async function createTestTenant(bed: OidcTestBed, id: string, adminEmail = `admin@${id}.test`): Promise<TestTenant> {
  const adminPassword = `pw-${id}-Secret123`;
  const created = await createTenant(bed.platform, { id, adminEmail, adminPassword });
  const db = openTenantDatabase(clusterUrl(), created.tenant.database_name, 2);
  bed.tenantDbs.push(db);
  return { ...testScope(bed.platform, id, db), issuer: created.issuer, adminEmail, adminPassword };
}
