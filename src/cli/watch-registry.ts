import type { Platform } from '../platform/platform.ts';
import { listenForTenantChanges } from '../platform/notifications.ts';

/**
 * `--watch` of the generated pooler files: `sync` now, again shortly after every tenant change
 * (NOTIFY) and every minute in case one was missed, until SIGTERM/SIGINT. Syncs never overlap.
 */
export async function watchRegistry(platform: Platform, file: string, sync: () => Promise<boolean>): Promise<void> {
  let pending: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const resync = () => {
    running = running.then(() =>
      sync().then(
        (changed) => changed && platform.log.info({ file }, 'regenerated'),
        (error: Error) => platform.log.error({ file, err: error.message }, 'sync failed'),
      ),
    ) as Promise<void>;
  };
  const soon = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(resync, 300);
  };
  resync();
  const listener = listenForTenantChanges(platform.platformUrl, soon, soon, platform.log);
  const timer = setInterval(resync, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(timer);
  if (pending) clearTimeout(pending);
  await listener.close();
  await running;
}
