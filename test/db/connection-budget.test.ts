import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ConnectionBudget } from '../../src/db/connection-budget.ts';
import { createPool, withMaintenanceSession } from '../../src/db/postgres.ts';
import { clusterUrl } from '../support/platform.ts';

const pools: pg.Pool[] = [];

function pool(budget: ConnectionBudget, applicationName: string): pg.Pool {
  const created = createPool(clusterUrl(), { max: 3, idleTimeoutMillis: 60_000, applicationName, budget });
  pools.push(created);
  return created;
}

async function serverConnections(applicationName: string): Promise<number> {
  return withMaintenanceSession(clusterUrl(), async (client) => {
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return Number(result.rows[0]!.n);
  });
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

describe('the tenant connection budget', () => {
  it('keeps the connections of many pools under its cap by closing idle ones of other pools', async () => {
    const name = `budget-${crypto.randomBytes(4).toString('hex')}`;
    const budget = new ConnectionBudget(2);
    const many = Array.from({ length: 6 }, () => pool(budget, name));
    for (const p of many) {
      // Each pool keeps its connection idle afterwards (long idle timeout): only shedding makes room.
      expect((await p.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
      expect(budget.open).toBeLessThanOrEqual(2);
    }
    expect(await serverConnections(name)).toBeLessThanOrEqual(2);
    expect(many.reduce((sum, p) => sum + p.totalCount, 0)).toBeLessThanOrEqual(2);
  });

  it('makes a pool wait while every permit is in use, then serves it when one is returned', async () => {
    const name = `budget-${crypto.randomBytes(4).toString('hex')}`;
    const budget = new ConnectionBudget(1);
    const first = pool(budget, name);
    const second = pool(budget, name);
    const held = await first.connect();
    let answered = false;
    const waiting = second.query('SELECT 2 AS two').then((result) => {
      answered = true;
      return result.rows[0];
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    held.release(true);
    expect(await waiting).toEqual({ two: 2 });
  });

  it('fails with a clear error when no permit comes back in time', async () => {
    const budget = new ConnectionBudget(1, 200);
    const name = `budget-${crypto.randomBytes(4).toString('hex')}`;
    const held = await pool(budget, name).connect();
    await expect(pool(budget, name).query('SELECT 1')).rejects.toThrow(/no database connection free within 200 ms/);
    held.release();
  });
});

describe('a session the server ends as soon as it accepts it', () => {
  /**
   * A stand-in for PostgreSQL during a restart: it accepts the session and, in the same packet,
   * terminates it (57P01). The real race needs a restart to land between the two messages; this
   * server makes it happen every time.
   */
  async function welcomeThenTerminate(): Promise<{ url: string; close: () => Promise<void> }> {
    const message = (type: string, body: Buffer) => {
      const head = Buffer.alloc(5);
      head.write(type, 0, 'latin1');
      head.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([head, body]);
    };
    const int32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const fields = Buffer.from('SFATAL\0C57P01\0Mterminating connection due to administrator command\0\0', 'latin1');
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write(Buffer.concat([message('R', int32(0)), message('Z', Buffer.from('I')), message('E', fields)]));
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return { url: `postgres://someone:secret@127.0.0.1:${port}/postgres`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('does not take the process down when a budgeted pool connects to it', async () => {
    const server = await welcomeThenTerminate();
    try {
      const budgeted = createPool(server.url, { max: 1, applicationName: 'budget-terminated', budget: new ConnectionBudget(1) });
      pools.push(budgeted);
      // Whether the statement fails or the connection does, nothing may escape as an uncaught
      // 'error' (vitest fails the run on one); the statement itself is refused.
      await expect(budgeted.query('SELECT 1')).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});
