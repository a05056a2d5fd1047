import cluster from 'node:cluster';
import os from 'node:os';
import { checkServerConfig, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { openPlatform } from './platform/platform.ts';
import { buildApp } from './app.ts';
import { listen } from './listeners.ts';
import { isAppError } from './errors.ts';
import { serveClusterMetrics } from './ops/cluster-metrics.ts';
import { limitPasswordHashing } from './crypto/passwords.ts';
import { announceReady } from './banner.ts';

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
  const platform = await openPlatform(config, log);
  const app = await buildApp({ platform });
  await listen(app);
  if (cluster.isPrimary) announceReady(platform);

  onSignals(async (signal) => {
    log.info({ signal }, 'shutting down: draining requests');
    await app.close();
    await platform.close();
  }, log);
}

async function runPrimary(config: Config, log: Logger): Promise<void> {
  // Starts (and later stops) the embedded cluster and migrates the platform before any worker runs.
  const platform = await openPlatform(config, log, { poolMax: 1 });
  serveClusterMetrics();
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < config.workers; i++) fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    log.error({ worker: worker.process.pid, code }, 'worker exited; starting another');
    setTimeout(fork, 500).unref();
  });
  let online = 0;
  cluster.on('listening', () => {
    if (++online === config.workers) announceReady(platform, { workers: config.workers });
  });

  onSignals(async (signal) => {
    stopping = true;
    log.info({ signal }, 'shutting down workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    await platform.close();
  }, log);
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

main().catch((error: unknown) => {
  process.stderr.write(`tansu: ${isAppError(error) ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
