import { stringOption, type CommandSpec } from '../command.ts';
import { stepReporter } from '../progress.ts';

export const tenantBackupCommand: CommandSpec = {
  path: ['tenant', 'backup'],
  args: ['<id>'],
  summary: "Write one sealed file with the tenant's database (pg_dump) and registry entry; prints path, size, SHA-256",
  options: [{ name: 'out', description: 'file to write (default backups/<id>-<timestamp>.tansu-backup)' }],
  async run(context) {
    const [id] = context.args;
    const { backupTenant } = await import('../../provisioning/backup.ts');
    const backup = await backupTenant(context.platform, id!, {
      out: stringOption(context.options, 'out'),
      progress: stepReporter(context, { tenant: id, operation: 'backup' }),
    });
    return {
      data: backup,
      text: `${backup.path}\n  size    ${backup.bytes} bytes\n  sha256  ${backup.sha256}`,
    };
  },
};

export const tenantRestoreCommand: CommandSpec = {
  path: ['tenant', 'restore'],
  // <id> names the tenant inside the backup: a guard against restoring the wrong file.
  args: ['<id>'],
  summary: 'Restore a tenant from a backup file into a fresh database, then swap it in',
  options: [
    { name: 'from', description: 'backup file written by `tansu tenant backup`', required: true },
    { name: 'as', description: 'restore under another tenant id (an independent copy: fresh signing keys, no sessions, tokens or invitations of the original)' },
    { name: 'force', description: 'replace the existing tenant of that id', type: 'boolean' },
    { name: 'cluster', description: 'cluster for a tenant that does not exist yet (default: least loaded)' },
  ],
  async run(context) {
    const [id] = context.args;
    const from = stringOption(context.options, 'from')!;
    const as = stringOption(context.options, 'as');
    const { restoreTenant } = await import('../../provisioning/restore.ts');
    const result = await restoreTenant(context.platform, {
      from,
      tenant: id,
      as,
      force: context.options.force === true,
      cluster: stringOption(context.options, 'cluster'),
      progress: stepReporter(context, { tenant: as ?? id, operation: 'restore' }),
    });
    return {
      data: { tenant: result.tenant.id, cluster: result.tenant.cluster, status: result.tenant.status, replaced: result.replaced, signing_keys: result.signingKeys },
      text: `restored tenant ${result.tenant.id} on cluster ${result.tenant.cluster}${result.replaced ? ' (replaced the existing one)' : ''}; ${result.signingKeys} signing keys`,
    };
  },
};
