import { UsageError, stringOption, type CommandContext, type CommandSpec, type ParsedOptions } from '../command.ts';
import type { PgcatOptions } from '../../ops/pgcat-config.ts';
import { DEFAULT_PGCAT_OPTIONS } from '../../ops/pgcat-defaults.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({ ...(await import('../../ops/pgcat-config.ts')), ...(await import('../../platform/notifications.ts')) });

function positiveInteger(options: ParsedOptions, name: string, fallback: number): number {
  const raw = stringOption(options, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function pgcatOptions(options: ParsedOptions): PgcatOptions {
  return {
    port: positiveInteger(options, 'port', DEFAULT_PGCAT_OPTIONS.port),
    adminUsername: stringOption(options, 'admin-user') ?? DEFAULT_PGCAT_OPTIONS.adminUsername,
    adminPassword: stringOption(options, 'admin-password')!,
    tenantPoolSize: positiveInteger(options, 'pool-size', DEFAULT_PGCAT_OPTIONS.tenantPoolSize),
    platformPoolSize: DEFAULT_PGCAT_OPTIONS.platformPoolSize,
  };
}

/** Regenerates, writes when changed, and asks PgCat to reload; returns whether anything changed. */
async function sync(context: CommandContext, file: string, options: PgcatOptions): Promise<boolean> {
  const { writePgcatConfig, renderPgcatConfig, reloadPgcat } = await services();
  const changed = await writePgcatConfig(file, await renderPgcatConfig(context.platform, options));
  const reloadUrl = stringOption(context.options, 'reload-url');
  if (changed && reloadUrl) await reloadPgcat(reloadUrl);
  return changed;
}

/** How soon a RELOAD PgCat did not take is tried again. */
const RELOAD_RETRY_MS = 2_000;

/**
 * `--watch`: follow tenant changes (NOTIFY) and resync every minute, until SIGTERM/SIGINT. A
 * RELOAD that fails is tried again until PgCat answers: at first start PgCat is not up yet (it
 * waits for the file this writes), and a change written while it restarts must still reach it.
 */
async function watch(context: CommandContext, file: string, options: PgcatOptions): Promise<void> {
  const { platform } = context;
  const { listenForTenantChanges, writePgcatConfig, renderPgcatConfig, reloadPgcat } = await services();
  const reloadUrl = stringOption(context.options, 'reload-url');
  let pending: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let reloadOwed = false;
  let reloadFailing = false;
  let running = Promise.resolve();
  const resync = () => {
    running = running.then(async () => {
      try {
        if (await writePgcatConfig(file, await renderPgcatConfig(platform, options))) {
          platform.log.info({ file }, 'pgcat.toml regenerated');
          reloadOwed = reloadUrl !== undefined;
        }
      } catch (error) {
        platform.log.error({ err: (error as Error).message }, 'pgcat.toml sync failed');
      }
      if (!reloadOwed) return;
      try {
        await reloadPgcat(reloadUrl!);
        reloadOwed = false;
        if (reloadFailing) platform.log.info('PgCat took the RELOAD');
        reloadFailing = false;
      } catch (error) {
        // Said once, not every 2 s while PgCat starts.
        if (!reloadFailing) platform.log.warn({ err: (error as Error).message }, 'PgCat did not take the RELOAD (not up yet?); trying again until it does');
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
  const listener = listenForTenantChanges(platform.platformUrl, soon, soon, platform.log);
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

export const pgcatConfigCommand: CommandSpec = {
  path: ['pgcat-config'],
  summary: 'Generate pgcat.toml with one pool per database in the registry (PgCat has no wildcard pool)',
  options: [
    { name: 'out', description: 'file to write (default: print to stdout)' },
    { name: 'admin-password', description: "password of PgCat's admin database", required: true },
    { name: 'admin-user', description: `admin user (default ${DEFAULT_PGCAT_OPTIONS.adminUsername})` },
    { name: 'port', description: `PgCat's listen port (default ${DEFAULT_PGCAT_OPTIONS.port})` },
    { name: 'pool-size', description: `server connections per tenant database (default ${DEFAULT_PGCAT_OPTIONS.tenantPoolSize})` },
    { name: 'reload-url', description: "PgCat admin URL (postgres://admin:pw@pgcat:6432/pgcat): send RELOAD after a change" },
    { name: 'watch', description: 'keep running: regenerate on every tenant change (needs --out)', type: 'boolean' },
  ],
  validate({ options }) {
    pgcatOptions(options);
    if (options.watch === true && !stringOption(options, 'out')) throw new UsageError('--watch needs --out');
  },
  async run(context) {
    const options = pgcatOptions(context.options);
    const out = stringOption(context.options, 'out');
    if (!out) {
      const { renderPgcatConfig } = await services();
      const content = await renderPgcatConfig(context.platform, options);
      return { data: { content }, text: content.trimEnd() };
    }
    if (context.options.watch === true) {
      await watch(context, out, options);
      return { data: { file: out, watched: true }, text: `stopped watching; ${out} is current` };
    }
    const changed = await sync(context, out, options);
    return { data: { file: out, changed }, text: changed ? `wrote ${out}` : `${out} is already current` };
  },
};
