import type { Platform } from '../platform/platform.ts';
import { listenForTenantChanges } from '../platform/notifications.ts';

/** How soon a RELOAD the pooler did not take is tried again. */
const RELOAD_RETRY_MS = 2_000;

export interface WatchedFile {
  /** The file as people call it in logs (`pgcat.toml`, `auth_file`). */
  what: string;
  /** The pooler told of a change (`PgCat`, `PgBouncer`). */
  pooler: string;
  /** Regenerates the file; true when its content changed. */
  write: () => Promise<boolean>;
  /** Tells the pooler to re-read it (RELOAD), when a reload URL was given. */
  reload?: () => Promise<void>;
}

/**
 * `--watch` of a generated pooler file: write it now, again shortly after every tenant change
 * (NOTIFY) and every minute in case one was missed, until SIGTERM/SIGINT. Syncs never overlap.
 * A RELOAD that fails is tried again until the pooler answers: at first start the pooler is not
 * up yet (it waits for the file this writes), and a change written while it restarts must still
 * reach it. The failure is logged once, not every two seconds.
 */
export async function watchRegistry(platform: Platform, file: string, watched: WatchedFile): Promise<void> {
  const { log } = platform;
  let pending: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let reloadOwed = false;
  let reloadFailing = false;
  let running = Promise.resolve();
  const resync = () => {
    running = running.then(async () => {
      try {
        if (await watched.write()) {
          log.info({ file }, `${watched.what} regenerated`);
          reloadOwed = watched.reload !== undefined;
        }
      } catch (error) {
        log.error({ file, err: (error as Error).message }, `${watched.what} sync failed`);
      }
      if (!reloadOwed) return;
      try {
        await watched.reload!();
        reloadOwed = false;
        if (reloadFailing) log.info(`${watched.pooler} took the RELOAD`);
        reloadFailing = false;
      } catch (error) {
        if (!reloadFailing) log.warn({ err: (error as Error).message }, `${watched.pooler} did not take the RELOAD (not up yet?); trying again until it does`);
        reloadFailing = true;
        clearTimeout(retry);
        retry = setTimeout(resync, RELOAD_RETRY_MS);
      }
    });
  };
  const soon = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(resync, 300);
  };
  resync();
  const listener = listenForTenantChanges(platform.platformUrl, soon, soon, log);
  const timer = setInterval(resync, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(timer);
  clearTimeout(retry);
  if (pending) clearTimeout(pending);
  await listener.close();
  await running;
}
