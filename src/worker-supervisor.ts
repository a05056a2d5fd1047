import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger.ts';

/** What a worker tells the primary just before it exits on a fatal error, so the primary logs why. */
export const WORKER_FATAL = 'tansu:worker-fatal';

export interface SupervisorOptions {
  workers: number;
  log: Logger;
  /** First delay before replacing a worker that died young; doubles per death in a row. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A worker that lived this long died of something new: its replacement starts at once. */
  stableAfterMs?: number;
  /** At most one line about exited workers per this interval, however many exit. */
  logIntervalMs?: number;
}

export interface Supervisor {
  /** Stops replacing workers and ends the live ones with SIGTERM; resolves once all have exited. */
  stop(): Promise<void>;
}

interface Slot {
  /** Deaths in a row of workers that did not live to `stableAfterMs`. */
  failures: number;
  startedAt: number;
}

/**
 * Keeps `workers` workers running for as long as the primary lives. A worker that exits, for
 * whatever reason, is replaced: at once if it had been running a while, otherwise after a delay
 * that doubles with each early death (a crash loop: a bad deploy, a database that refuses
 * connections at startup), so the node retries without burning its cores. The timer that
 * schedules a replacement holds the primary's event loop: with every worker dead it has nothing
 * else to do, and an unref'd timer would let it exit.
 */
export function superviseWorkers(options: SupervisorOptions): Supervisor {
  const { workers, log } = options;
  const minDelayMs = options.minDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const stableAfterMs = options.stableAfterMs ?? 10_000;
  const logIntervalMs = options.logIntervalMs ?? 30_000;
  const slots = new Map<Worker, Slot>();
  const reasons = new Map<Worker, string>();
  const pending = new Set<NodeJS.Timeout>();
  let stopping = false;
  let lastLoggedAt = -Infinity;
  let unlogged = 0;
  let latest: Record<string, unknown> = {};
  let flush: NodeJS.Timeout | undefined;

  // The first exit is logged at once; later ones within the interval are counted, and the last of
  // them is logged with the count when the interval ends.
  const report = (details: Record<string, unknown>) => {
    const now = Date.now();
    if (now - lastLoggedAt >= logIntervalMs) {
      log.error(details, 'worker exited; starting another');
      lastLoggedAt = now;
      return;
    }
    unlogged++;
    latest = details;
    flush ??= setTimeout(() => {
      flush = undefined;
      log.error({ ...latest, exitsSinceLastLine: unlogged }, 'workers keep exiting; starting others');
      lastLoggedAt = Date.now();
      unlogged = 0;
    }, lastLoggedAt + logIntervalMs - now);
    flush.unref();
  };

  const fork = (slot: Slot) => {
    slot.startedAt = Date.now();
    const worker = cluster.fork();
    slots.set(worker, slot);
    worker.on('message', (message: { type?: string; reason?: string }) => {
      if (message?.type === WORKER_FATAL && typeof message.reason === 'string') reasons.set(worker, message.reason);
    });
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    const slot = slots.get(worker);
    const reason = reasons.get(worker);
    slots.delete(worker);
    reasons.delete(worker);
    if (stopping || !slot) return;
    const lived = Date.now() - slot.startedAt;
    slot.failures = lived >= stableAfterMs ? 0 : slot.failures + 1;
    const delay = slot.failures === 0 ? 0 : Math.min(maxDelayMs, minDelayMs * 2 ** (slot.failures - 1));
    report({ worker: worker.process.pid, code, signal, reason, livedMs: lived, restartInMs: delay });
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!stopping) fork(slot);
    }, delay);
    pending.add(timer);
  };

  cluster.on('exit', onExit);
  for (let i = 0; i < workers; i++) fork({ failures: 0, startedAt: 0 });

  return {
    async stop() {
      stopping = true;
      clearTimeout(flush);
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      const live = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        live.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
      cluster.off('exit', onExit);
    },
  };
}
