import { UsageError, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import type { PgcatOptions } from '../../platform/poolers/pgcat-config.ts';
import { DEFAULT_PGCAT_OPTIONS } from '../../platform/poolers/pgcat-defaults.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/poolers/pgcat-config.ts')),
  ...(await import('../../platform/poolers/pooler-files.ts')),
  ...(await import('../watch-registry.ts')),
});

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

export const pgcatConfigCommand: CommandSpec = {
  path: ['pgcat-config'],
  summary: 'Generate pgcat.toml with one pool per database in the registry (PgCat has no wildcard pool)',
  options: [
    { name: 'out', description: 'file to write (default: print to stdout)' },
    { name: 'admin-password', description: "password of PgCat's admin database", required: true, secret: { prompt: "PgCat's admin password" } },
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
      const { watchRegistry, writeGeneratedFile, renderPgcatConfig, reloadPooler } = await services();
      const reloadUrl = stringOption(context.options, 'reload-url');
      await watchRegistry(context.platform, out, {
        what: 'pgcat.toml',
        pooler: 'PgCat',
        write: async () => writeGeneratedFile(out, await renderPgcatConfig(context.platform, options)),
        reload: reloadUrl ? () => reloadPooler(reloadUrl) : undefined,
      });
      return { data: { file: out, watched: true }, text: `stopped watching; ${out} is current` };
    }
    const { syncGeneratedFile, renderPgcatConfig } = await services();
    const changed = await syncGeneratedFile(out, await renderPgcatConfig(context.platform, options), stringOption(context.options, 'reload-url'));
    return { data: { file: out, changed }, text: changed ? `wrote ${out}` : `${out} is already current` };
  },
};
