import { UsageError, stringOption, type CommandSpec } from '../command.ts';
import { MAIN_CLUSTER } from '../../platform/main-cluster.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/poolers/pgbouncer-userlist.ts')),
  ...(await import('../../platform/poolers/pooler-files.ts')),
  ...(await import('../watch-registry.ts')),
});

export const pgbouncerUserlistCommand: CommandSpec = {
  path: ['pgbouncer-userlist'],
  summary: "Generate PgBouncer's auth_file: the admin role and every tenant's database role on one cluster",
  options: [
    { name: 'out', description: 'file to write (default: print to stdout)' },
    { name: 'cluster', description: `the cluster PgBouncer fronts (default ${MAIN_CLUSTER})` },
    { name: 'reload-url', description: 'PgBouncer admin URL (postgres://admin:pw@pgbouncer:6432/pgbouncer): send RELOAD after a change' },
    { name: 'watch', description: 'keep running: regenerate on every tenant change (needs --out)', type: 'boolean' },
  ],
  validate({ options }) {
    if (options.watch === true && !stringOption(options, 'out')) throw new UsageError('--watch needs --out');
  },
  async run(context) {
    const cluster = stringOption(context.options, 'cluster') ?? MAIN_CLUSTER;
    const out = stringOption(context.options, 'out');
    const { renderPgbouncerUserlist, writeGeneratedFile, reloadPooler, syncGeneratedFile, watchRegistry } = await services();
    if (!out) {
      const content = await renderPgbouncerUserlist(context.platform, cluster);
      return { data: { content }, text: content.trimEnd() };
    }
    if (context.options.watch === true) {
      const reloadUrl = stringOption(context.options, 'reload-url');
      await watchRegistry(context.platform, out, {
        what: 'auth_file',
        pooler: 'PgBouncer',
        write: async () => writeGeneratedFile(out, await renderPgbouncerUserlist(context.platform, cluster)),
        reload: reloadUrl ? () => reloadPooler(reloadUrl) : undefined,
      });
      return { data: { file: out, watched: true }, text: `stopped watching; ${out} is current` };
    }
    const changed = await syncGeneratedFile(out, await renderPgbouncerUserlist(context.platform, cluster), stringOption(context.options, 'reload-url'));
    return { data: { file: out, changed }, text: changed ? `wrote ${out}` : `${out} is already current` };
  },
};
