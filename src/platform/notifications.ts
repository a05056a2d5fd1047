import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../logger.ts';

/**
 * Nodes tell each other that a tenant's cached context is stale (keys rotated, token lifetimes
 * changed, suspended, moved, deleted); `tansu pgcat-config --watch` follows the same channel, so a new tenant is announced too
 * (nodes drop what they hold for it, normally nothing).
 */
export const TENANT_CHANGES_CHANNEL = 'tansu_tenant_changes';

/** `domains`: a custom domain or the issuer moved; nodes reload their host names (tenancy/tenant-hosts.ts). */
export type TenantChangeKind = 'created' | 'updated' | 'keys' | 'settings' | 'suspended' | 'moved' | 'deleted' | 'clients' | 'domains';

export interface TenantChange {
  tenant: string;
  kind: TenantChangeKind;
}

export async function publishTenantChange(db: Kysely<any>, change: TenantChange): Promise<void> {
  await sql`SELECT pg_notify(${TENANT_CHANGES_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
}

/**
 * Until LISTEN is back, every cached tenant may be stale (a deleted client still served), so the
 * wait stays short: 100 ms doubling to at most 1 s, a cheap refused connection per second. The
 * jitter keeps a fleet of nodes from reconnecting in step when the database comes back.
 */
function reconnectDelay(attempt: number): number {
  const ceiling = Math.min(1_000, 100 * 2 ** Math.min(attempt - 1, 10));
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

export interface ChangeListener {
  close(): Promise<void>;
  /** Resolves once LISTEN is in place (tests wait for it). */
  readonly ready: Promise<void>;
}

/**
 * LISTENs on a dedicated session (LISTEN needs one, so not through a transaction-mode pooler) and
 * reconnects with backoff; after a reconnect every cached tenant is treated as stale, since
 * notifications sent while disconnected are lost.
 */
export function listenForTenantChanges(
  connectionString: string,
  onChange: (change: TenantChange) => void,
  onReconnect: () => void,
  log: Logger,
  /** How the session is named in pg_stat_activity: serving processes are counted by it (serving-processes.repository.ts). */
  applicationName = 'tansu-listener',
): ChangeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString, application_name: applicationName, keepAlive: true, connectionTimeoutMillis: 10_000 });
    client = next;
    next.on('notification', (message) => {
      if (message.channel !== TENANT_CHANGES_CHANNEL || !message.payload) return;
      try {
        onChange(JSON.parse(message.payload) as TenantChange);
      } catch {
        log.warn({ payload: message.payload }, 'ignored a malformed tenant change notification');
      }
    });
    // One line when the session is lost and one when it is back, not one per attempt in between.
    const lost = (error: Error, what: string) => {
      if (client !== next) return; // a late second error of a session already given up
      client = undefined;
      if (attempt === 0) log.warn({ err: error.message }, what);
      next.end().catch(() => {});
      scheduleReconnect();
    };
    next.on('error', (error) => lost(error, 'tenant change listener lost its connection; reconnecting'));
    try {
      await next.connect();
      await next.query(`LISTEN ${TENANT_CHANGES_CHANNEL}`);
      if (attempt > 0) {
        log.info({ attempts: attempt }, 'tenant change listener reconnected; cached tenants dropped');
        onReconnect();
      }
      attempt = 0;
      markReady();
    } catch (error) {
      lost(error as Error, 'tenant change listener cannot connect; retrying');
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const scheduleReconnect = () => {
    if (closed || timer) return;
    attempt++;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, reconnectDelay(attempt));
    timer.unref();
  };

  void connect();
  return {
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      markReady();
      await client?.end().catch(() => {});
    },
  };
}
