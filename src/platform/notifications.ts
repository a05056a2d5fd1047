import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../logger.ts';

/**
 * Nodes tell each other that a tenant's cached context is stale (keys rotated, suspended, moved,
 * deleted); `tansu pgcat-config --watch` follows the same channel, so a new tenant is announced too
 * (nodes drop what they hold for it, normally nothing).
 */
export const TENANT_CHANGES_CHANNEL = 'tansu_tenant_changes';

export type TenantChangeKind = 'created' | 'updated' | 'keys' | 'suspended' | 'moved' | 'deleted' | 'clients';

export interface TenantChange {
  tenant: string;
  kind: TenantChangeKind;
}

export async function publishTenantChange(db: Kysely<any>, change: TenantChange): Promise<void> {
  await sql`SELECT pg_notify(${TENANT_CHANGES_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
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
): ChangeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString, application_name: 'tansu-listener' });
    client = next;
    next.on('notification', (message) => {
      if (message.channel !== TENANT_CHANGES_CHANNEL || !message.payload) return;
      try {
        onChange(JSON.parse(message.payload) as TenantChange);
      } catch {
        log.warn({ payload: message.payload }, 'ignored a malformed tenant change notification');
      }
    });
    next.on('error', (error) => {
      log.warn({ err: error.message }, 'tenant change listener lost its connection');
      next.end().catch(() => {});
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${TENANT_CHANGES_CHANNEL}`);
      if (attempt > 0) onReconnect();
      attempt = 0;
      markReady();
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'tenant change listener cannot connect');
      next.end().catch(() => {});
      scheduleReconnect();
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const scheduleReconnect = () => {
    if (closed || timer) return;
    attempt++;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
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
