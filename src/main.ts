import cluster from 'node:cluster';
import os from 'node:os';
import { checkServerConfig, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { openPlatform, type OpenOptions, type Platform } from './platform/platform.ts';
import { buildApp } from './app.ts';
import { listen } from './listeners.ts';
import { isAppError } from './errors.ts';
import { serveClusterMetrics } from './ops/cluster-metrics.ts';
import { limitPasswordHashing } from './crypto/passwords.ts';
import { announceReady } from './banner.ts';
import { superviseWorkers, WORKER_FATAL } from './worker-supervisor.ts';
import { isDatabaseUnavailable } from './db/unavailable.ts';

/**
 * One Tansu node. With WORKERS > 1 (default: one per core) the primary owns the embedded
 * PostgreSQL and the platform migration, then forks workers that each serve HTTP on the shared
 * port; all state is in PostgreSQL and caches are invalidated by NOTIFY, so workers are simply
 * more nodes.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  checkServerConfig(config);
  const log = createLogger(config);
  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary(config, log);
  } else {
    await runServer(config, log);
  }
}

async function runServer(config: Config, log: Logger): Promise<void> {
  // The workers of this node share its cores for memory-hard password hashing.
  limitPasswordHashing(Math.max(1, Math.floor(os.availableParallelism() / config.workers)));
  const platform = await openPlatformWhenReachable(config, log, { publicUrl: 'publish' });
  const app = await buildApp({ platform });
  await listen(app);
  if (cluster.isPrimary) announceReady(platform);

  const stop = async () => {
    await app.close();
    await platform.close();
  };
  onSignals(async (signal) => {
    log.info({ signal }, 'shutting down: draining requests');
    await stop();
  }, log);
  exitWhenEmbeddedServerDies(platform, log, stop);
}

async function runPrimary(config: Config, log: Logger): Promise<void> {
  // Starts (and later stops) the embedded cluster and migrates the platform before any worker runs.
  const platform = await openPlatformWhenReachable(config, log, { poolMax: 1, publicUrl: 'publish' });
  serveClusterMetrics();
  const supervisor = superviseWorkers({ workers: config.workers, log });
  // Said at start and again whenever replacements bring the node back to full strength.
  const listening = new Set<number>();
  cluster.on('listening', (worker) => {
    listening.add(worker.id);
    if (listening.size === config.workers) announceReady(platform, { workers: config.workers });
  });
  cluster.on('exit', (worker) => listening.delete(worker.id));

  const stop = async () => {
    await supervisor.stop();
    await platform.close();
  };
  onSignals(async (signal) => {
    log.info({ signal }, 'shutting down workers');
    await stop();
  }, log);
  exitWhenEmbeddedServerDies(platform, log, stop);
}

/**
 * A node (or a worker replacing one) that starts while its database restarts or is down waits for
 * it, retrying every second or two, instead of exiting: only errors that say the database is out
 * of reach are retried, one line says so, and anything else (bad config, bad credentials) still
 * stops the start.
 */
async function openPlatformWhenReachable(config: Config, log: Logger, options?: OpenOptions): Promise<Platform> {
  for (let attempt = 0; ; attempt++) {
    try {
      const platform = await openPlatform(config, log, options);
      if (attempt > 0) log.info({ attempts: attempt + 1 }, 'platform database reachable; starting');
      return platform;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      if (attempt === 0) log.warn({ err: (error as Error).message }, 'platform database unreachable; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 250 * 2 ** attempt)));
    }
  }
}

/**
 * The embedded PostgreSQL is this node's own child: if it dies (killed, out of memory) nothing
 * would restart it and every request would fail. The node says so once and exits non-zero, so
 * whatever supervises it (systemd, Docker, the operator) starts both again.
 */
function exitWhenEmbeddedServerDies(platform: Platform, log: Logger, stop: () => Promise<void>): void {
  void platform.embeddedServerExited?.then((reason) => {
    log.fatal({ reason }, 'embedded PostgreSQL exited unexpectedly; stopping this node');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    stop().finally(() => process.exit(1));
  });
}

/**
 * A worker's fatal error goes to the primary, which logs it with the worker's exit (once per
 * interval in a crash loop) instead of each worker printing its own stack.
 */
function exitWorker(error: unknown): void {
  const reason = isAppError(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.exitCode = 1;
  const exit = () => process.exit(1);
  setTimeout(exit, 1_000).unref();
  if (process.connected && process.send) process.send({ type: WORKER_FATAL, reason }, exit);
  else {
    process.stderr.write(`tansu: ${reason}\n`);
    exit();
  }
}

function onSignals(stop: (signal: string) => Promise<void>, log: Logger): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    stop(signal).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}

if (cluster.isWorker) {
  process.on('uncaughtException', exitWorker);
  process.on('unhandledRejection', exitWorker);
}

main().catch((error: unknown) => {
  if (cluster.isWorker) return exitWorker(error);
  process.stderr.write(`tansu: ${isAppError(error) ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
