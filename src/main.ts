import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { openPlatform } from './platform/platform.ts';
import { buildApp } from './app.ts';
import { isAppError } from './errors.ts';

/** Starts one Tansu node: platform database (embedded by default), HTTP server, graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  const platform = await openPlatform(config, log);
  const app = await buildApp({ platform });
  await app.listen({ host: config.host, port: config.port });
  log.info({ url: config.publicUrl }, 'tansu is ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await app.close();
      await platform.close();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`tansu: ${isAppError(error) ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
