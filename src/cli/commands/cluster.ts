import { stringOption, type CommandSpec } from '../command.ts';
import { renderTable } from '../table.ts';
import { clusterView } from '../../platform/cluster-view.ts';

export const clusterAddCommand: CommandSpec = {
  path: ['cluster', 'add'],
  args: ['<name>'],
  summary: 'Register a PostgreSQL cluster tenants can be placed on (its URL is stored encrypted)',
  options: [
    { name: 'url', description: 'direct superuser URL, postgres://user:password@host:port/postgres', required: true },
    { name: 'pooled-url', description: 'URL of a transaction-mode pooler in front of it, used for requests' },
  ],
  async run(context) {
    const [name] = context.args;
    await context.platform.clusters.add(name!, stringOption(context.options, 'url')!, stringOption(context.options, 'pooled-url'));
    const info = (await context.platform.clusters.list()).find((c) => c.name === name)!;
    return { data: clusterView(info), text: `cluster ${info.name} added (${info.url})` };
  },
};

export const clusterListCommand: CommandSpec = {
  path: ['cluster', 'list'],
  summary: 'List clusters with their (password-redacted) URLs and tenant counts',
  async run(context) {
    const clusters = await context.platform.clusters.list();
    const text = renderTable(clusters, [
      { header: 'NAME', value: (c) => c.name },
      { header: 'TENANTS', value: (c) => c.tenants, align: 'right' },
      { header: 'URL', value: (c) => c.url },
      { header: 'REQUESTS VIA', value: (c) => c.pooledUrl },
    ]);
    return { data: clusters.map(clusterView), text };
  },
};

export const clusterRemoveCommand: CommandSpec = {
  path: ['cluster', 'remove'],
  args: ['<name>'],
  summary: 'Unregister a cluster that holds no tenants (the databases on the server are left as they are)',
  async run(context) {
    const [name] = context.args;
    await context.platform.clusters.remove(name!);
    return { data: { name, removed: true }, text: `cluster ${name} removed` };
  },
};
