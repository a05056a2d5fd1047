import { stringOption, type CommandSpec } from '../command.ts';
import { stepReporter } from '../progress.ts';

export const tenantMoveCommand: CommandSpec = {
  path: ['tenant', 'move'],
  args: ['<id>'],
  summary: 'Move a tenant to another cluster (dump, restore, switch, drop the source); 503 only during the copy',
  options: [{ name: 'to', description: 'target cluster name (see `tansu cluster list`)', required: true }],
  async run(context) {
    const [id] = context.args;
    const { moveTenant } = await import('../../provisioning/move.ts');
    const moved = await moveTenant(context.platform, id!, {
      to: stringOption(context.options, 'to')!,
      progress: stepReporter(context, { tenant: id, operation: 'move' }),
    });
    return {
      data: { tenant: moved.tenant.id, from: moved.from, to: moved.to, unavailable_ms: moved.unavailableMs, source_dropped: moved.sourceDropped },
      text:
        `moved ${moved.tenant.id} from ${moved.from} to ${moved.to} (unavailable ${moved.unavailableMs} ms)` +
        (moved.sourceDropped ? '' : `\nwarning: the old database on ${moved.from} could not be dropped; drop ${moved.tenant.database_name} there by hand`),
    };
  },
};

export const tenantRecoverCommand: CommandSpec = {
  path: ['tenant', 'recover'],
  args: ['<id>'],
  summary: 'Bring back a tenant left in maintenance by an interrupted move or restore (serving from its registered database)',
  async run(context) {
    const { recoverTenant } = await import('../../provisioning/recover.ts');
    const { tenant, leftovers } = await recoverTenant(context.platform, context.args[0]!);
    return {
      data: { tenant: tenant.id, cluster: tenant.cluster, status: tenant.status, leftovers },
      text:
        `tenant ${tenant.id} serves again from ${tenant.database_name} on ${tenant.cluster}` +
        (leftovers.length ? `\nleftover databases on ${tenant.cluster} (inspect, then drop): ${leftovers.join(', ')}` : ''),
    };
  },
};
