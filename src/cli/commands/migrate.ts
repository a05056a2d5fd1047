import { UsageError, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { progressBar, type ProgressBar } from '../progress.ts';
import { renderTable } from '../table.ts';
import type { FleetMigrationReport } from '../../provisioning/migrate-fleet.ts';
import { DEFAULT_MIGRATION_CONCURRENCY } from '../../provisioning/migration-concurrency.ts';

function concurrency(options: ParsedOptions): number {
  const raw = stringOption(options, 'concurrency');
  if (raw === undefined) return DEFAULT_MIGRATION_CONCURRENCY;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 64) throw new UsageError(`--concurrency must be an integer from 1 to 64, got "${raw}"`);
  return value;
}

function summary(report: FleetMigrationReport): string {
  const lines = [`platform  ${report.platform.applied.length ? `applied ${report.platform.applied.join(', ')}` : 'up to date'}`];
  for (const t of report.templates) {
    lines.push(`template  ${t.cluster}: ${t.status}${t.applied.length ? ` (${t.applied.join(', ')})` : ''}${t.error ? ` - ${t.error}` : ''}`);
  }
  if (report.tenants.length) {
    lines.push(
      '',
      renderTable(report.tenants, [
        { header: 'TENANT', value: (r) => r.tenant },
        { header: 'CLUSTER', value: (r) => r.cluster },
        { header: 'STATUS', value: (r) => r.status },
        { header: 'MS', value: (r) => r.ms, align: 'right' },
        { header: 'APPLIED / ERROR', value: (r) => r.error ?? r.applied.join(', ') },
      ]),
    );
  }
  const by = (status: string) => report.tenants.filter((r) => r.status === status).length;
  lines.push(
    '',
    `${report.tenants.length} tenants: ${by('migrated')} migrated, ${by('up-to-date')} up to date, ${by('failed')} failed (${(report.ms / 1000).toFixed(1)}s)`,
  );
  return lines.join('\n');
}

export const migrateCommand: CommandSpec = {
  path: ['migrate'],
  summary: "Migrate the platform database, each cluster's tenant template and every tenant database; exit 1 if any failed",
  options: [{ name: 'concurrency', description: `tenant databases migrated at once (default ${DEFAULT_MIGRATION_CONCURRENCY})` }],
  validate({ options }) {
    concurrency(options);
  },
  async run({ platform, options, interactive, stderr }) {
    let bar: ProgressBar | undefined;
    const { migrateFleet } = await import('../../provisioning/migrate-fleet.ts');
    const report = await migrateFleet(platform, {
      concurrency: concurrency(options),
      onStart: (total) => {
        if (interactive && total > 0) bar = progressBar(stderr, total, 'migrating tenants');
      },
      onTenant: (result) => bar?.tick(`${result.tenant} ${result.status}`),
    });
    bar?.finish();
    return { data: report, text: summary(report), exitCode: report.failed > 0 ? 1 : 0 };
  },
};
