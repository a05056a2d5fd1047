import pg from 'pg';
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler, sql, type RawBuilder,
} from 'kysely';
import { databaseIdentifier } from './identifiers.ts';
import { pgCode } from '../errors.ts';
import type { ConnectionBudget } from './connection-budget.ts';

/** The same cluster, another database: only the path of the connection URL changes. */
export function databaseUrl(clusterUrl: string, database: string): string {
  const url = new URL(clusterUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** A connection URL with its password hidden, for logs and CLI output. */
export function redactUrl(connectionUrl: string): string {
  try {
    const url = new URL(connectionUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<invalid url>';
  }
}

export interface PoolOptions {
  max: number;
  idleTimeoutMillis?: number;
  applicationName?: string;
  /** A process-wide cap shared with other pools (tenant pools). */
  budget?: ConnectionBudget;
}

export function createPool(connectionString: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    connectionTimeoutMillis: 10_000,
    // A server that vanishes without closing the socket (host down) is noticed, not waited on forever.
    keepAlive: true,
    application_name: options.applicationName ?? 'tansu',
    ...(options.budget ? { Client: options.budget.Client } : {}),
  });
  // An idle client that loses its server (restart, DROP DATABASE … FORCE) must not crash the process.
  pool.on('error', () => {});
  // pg-pool listens for errors on idle clients only. A checked-out client whose server goes away
  // between two statements (PostgreSQL restarted, 57P01), or whose socket closes just after its
  // query failed, emits 'error' with no listener, and that kills the process. The statement in
  // flight rejects anyway, and the pool drops the client on release since it is no longer queryable.
  pool.on('connect', (client) => client.on('error', () => {}));
  trackPool(pool, options.applicationName ?? 'tansu');
  if (options.budget) {
    const budget = options.budget;
    budget.register(pool);
    const end = pool.end.bind(pool);
    pool.end = ((callback?: () => void) => {
      budget.unregister(pool);
      return callback ? end(callback) : end();
    }) as typeof pool.end;
  }
  return pool;
}

export interface PoolUsage {
  /** The pools' application_name: tansu-platform, tansu-tenant, … */
  name: string;
  pools: number;
  total: number;
  idle: number;
  waiting: number;
}

const livePools = new Map<pg.Pool, string>();

function trackPool(pool: pg.Pool, name: string): void {
  livePools.set(pool, name);
  const end = pool.end.bind(pool);
  pool.end = ((callback?: () => void) => {
    livePools.delete(pool);
    return callback ? end(callback) : end();
  }) as typeof pool.end;
}

/** Connections of every open pool in this process, summed per kind (for /metrics). */
export function poolUsage(): PoolUsage[] {
  const usage = new Map<string, PoolUsage>();
  for (const [pool, name] of livePools) {
    const entry = usage.get(name) ?? { name, pools: 0, total: 0, idle: 0, waiting: 0 };
    entry.pools++;
    entry.total += pool.totalCount;
    entry.idle += pool.idleCount;
    entry.waiting += pool.waitingCount;
    usage.set(name, entry);
  }
  return [...usage.values()];
}

export function createKysely<DB>(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** One direct session on a cluster's maintenance database, for CREATE/DROP DATABASE and locks. */
export async function withMaintenanceSession<T>(clusterUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(clusterUrl, 'postgres'), application_name: 'tansu-admin' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return result.rowCount === 1;
}

/** What initdb gave the server: tells two clusters apart whatever host name or address reaches them. */
export async function systemIdentifier(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ system_identifier: string }>('SELECT system_identifier::text FROM pg_control_system()');
  return rows[0]!.system_identifier;
}

/** Compiles a Kysely raw statement (with quoted identifiers) for a plain pg client. */
export async function run(client: pg.Client, statement: RawBuilder<unknown>): Promise<void> {
  const compiled = statement.compile(compileOnly);
  await client.query(compiled.sql, [...compiled.parameters]);
}

/** A Kysely that compiles PostgreSQL statements and has no connection. */
export function compileOnlyKysely<DB>(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

const compileOnly = compileOnlyKysely<unknown>();

/**
 * The server's default strategy (WAL_LOG since PostgreSQL 15) copies a small template block by
 * block through the WAL; FILE_COPY would force two cluster-wide checkpoints per tenant created,
 * slower here and felt by every other tenant on the cluster.
 */
export async function createDatabase(client: pg.Client, name: string, template?: string): Promise<void> {
  if (template) {
    await run(client, sql`CREATE DATABASE ${databaseIdentifier(name)} TEMPLATE ${databaseIdentifier(template)}`);
  } else {
    await run(client, sql`CREATE DATABASE ${databaseIdentifier(name)}`);
  }
  await closeDatabaseToPublic(client, name);
}

/**
 * A new database lets every role (PUBLIC) connect, and a copy does not inherit its template's
 * database grants: closed at birth, every database we create (tenant, spare, restore scratch,
 * template, platform) admits only its owner, the admin role, until a tenant role is granted
 * CONNECT on its own one (src/db/tenant-role.ts).
 */
export async function closeDatabaseToPublic(client: pg.Client, name: string): Promise<void> {
  await run(client, sql`REVOKE ALL ON DATABASE ${databaseIdentifier(name)} FROM PUBLIC`);
}

export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await run(client, sql`DROP DATABASE IF EXISTS ${databaseIdentifier(name)} WITH (FORCE)`);
}

/** CREATE DATABASE … TEMPLATE fails while anyone else is connected to the template; retry briefly. */
export async function cloneDatabase(client: pg.Client, name: string, template: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await createDatabase(client, name, template);
    } catch (error) {
      if (pgCode(error) !== '55006' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + attempt * 10));
    }
  }
}

export async function renameDatabase(client: pg.Client, from: string, to: string): Promise<void> {
  await run(client, sql`ALTER DATABASE ${databaseIdentifier(from)} RENAME TO ${databaseIdentifier(to)}`);
}

/** Stops new sessions (superusers included) from connecting; existing ones stay until terminated. */
export async function setConnectionsAllowed(client: pg.Client, name: string, allowed: boolean): Promise<void> {
  await run(client, sql`ALTER DATABASE ${databaseIdentifier(name)} WITH ALLOW_CONNECTIONS ${sql.raw(allowed ? 'true' : 'false')}`);
}

/** New sessions on the database start read-only (a guard for nodes that have not yet heard of a move). */
export async function setDatabaseReadOnly(client: pg.Client, name: string, readOnly: boolean): Promise<void> {
  await run(
    client,
    readOnly
      ? sql`ALTER DATABASE ${databaseIdentifier(name)} SET default_transaction_read_only = on`
      : sql`ALTER DATABASE ${databaseIdentifier(name)} RESET default_transaction_read_only`,
  );
}

export async function terminateConnections(client: pg.Client, name: string): Promise<void> {
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
}
