import { UsageError, listOption, stringOption, type CommandSpec } from '../command.ts';
import { renderTable, shortTime } from '../table.ts';
import { parseNewTenantId, parseTenantId } from '../../platform/tenant-id.ts';
import type { TenantView } from '../../provisioning/tenant-view.ts';
import type { TenantStatus } from '../../db/schema.ts';
import { tenantNotFound } from '../../errors.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../provisioning/tenants.service.ts')),
  ...(await import('../../provisioning/tenant-view.ts')),
  ...(await import('../../platform/tenants.repository.ts')),
});

const STATUSES: readonly TenantStatus[] = ['provisioning', 'active', 'suspended', 'maintenance', 'deleting', 'failed'];

/** Every tenant command takes the id first; judge it before any database is touched. */
const validateTenantId = ({ args }: { args: string[] }) => {
  parseTenantId(args[0]);
};

function describe(view: TenantView): string {
  const lines = [
    `tenant    ${view.id} (${view.name})`,
    `status    ${view.status}`,
    `issuer    ${view.issuer}`,
    `database  ${view.database} on cluster ${view.cluster}`,
    `created   ${view.created_at}`,
  ];
  if (view.failure_reason) lines.push(`failure   ${view.failure_reason}`);
  return lines.join('\n');
}

export const tenantCreateCommand: CommandSpec = {
  path: ['tenant', 'create'],
  args: ['<id>'],
  summary: 'Create a tenant: its own database cloned from the migrated template, an admin user and signing keys',
  options: [
    { name: 'name', description: 'display name (default: the id)' },
    { name: 'admin-email', description: 'email of the seeded TenantAdmin (default: admin@<id>.localhost)' },
    {
      name: 'admin-password',
      description: 'admin password, 10+ characters (default: generated and printed once); visible in ps: prefer --admin-password-file',
      secret: { prompt: 'Password for the tenant admin' },
    },
    { name: 'cluster', description: 'registered cluster to place the database on (default: the least loaded)' },
  ],
  validate: ({ args }) => {
    parseNewTenantId(args[0]);
  },
  async run({ platform, args, options }) {
    const { createTenant, createdTenantView } = await services();
    const created = await createTenant(platform, {
      id: args[0]!,
      displayName: stringOption(options, 'name'),
      adminEmail: stringOption(options, 'admin-email'),
      adminPassword: stringOption(options, 'admin-password'),
      cluster: stringOption(options, 'cluster'),
    });
    const view = createdTenantView(platform, created);
    const lines = [describe(view.tenant), `admin     ${view.admin.email}`];
    if (view.admin.password) lines.push(`password  ${view.admin.password}   (generated, shown only now; only its argon2id hash is stored)`);
    return { data: view, text: lines.join('\n') };
  },
};

export const tenantListCommand: CommandSpec = {
  path: ['tenant', 'list'],
  summary: 'List tenants with their status, cluster and database',
  options: [{ name: 'status', description: `only these statuses: ${STATUSES.join(', ')}`, type: 'list' }],
  validate({ options }) {
    for (const status of listOption(options, 'status')) {
      if (!STATUSES.includes(status as TenantStatus)) throw new UsageError(`--status must be among ${STATUSES.join(', ')}; got "${status}"`);
    }
  },
  async run({ platform, options }) {
    const statuses = listOption(options, 'status') as TenantStatus[];
    const { listTenants, tenantView } = await services();
    const rows = await listTenants(platform.db, statuses.length ? { statuses } : {});
    const views = rows.map((row) => tenantView(platform, row));
    const text = renderTable(rows, [
      { header: 'ID', value: (r) => r.id },
      { header: 'NAME', value: (r) => r.display_name },
      { header: 'STATUS', value: (r) => r.status },
      { header: 'CLUSTER', value: (r) => r.cluster },
      { header: 'DATABASE', value: (r) => r.database_name },
      { header: 'CREATED', value: (r) => shortTime(r.created_at) },
    ]);
    return { data: views, text: `${text}\n${rows.length} tenant${rows.length === 1 ? '' : 's'}` };
  },
};

export const tenantShowCommand: CommandSpec = {
  path: ['tenant', 'show'],
  args: ['<id>'],
  summary: "Show one tenant: status (and why it failed), issuer, cluster and database",
  validate: validateTenantId,
  async run({ platform, args }) {
    const id = parseTenantId(args[0]);
    const { findTenant, tenantView } = await services();
    const row = await findTenant(platform.db, id);
    if (!row) throw tenantNotFound(id);
    const view = tenantView(platform, row);
    return { data: view, text: describe(view) };
  },
};

export const tenantDeleteCommand: CommandSpec = {
  path: ['tenant', 'delete'],
  args: ['<id>'],
  summary: "Delete a tenant and drop its database, even with open connections (needs --yes)",
  options: [{ name: 'yes', description: 'confirm: every user, client, key and token of the tenant is gone for good', type: 'boolean' }],
  validate(input) {
    validateTenantId(input);
    if (input.options.yes !== true) {
      throw new UsageError(`deleting tenant "${input.args[0]}" drops its database for good; add --yes to confirm`);
    }
  },
  async run({ platform, args }) {
    const id = parseTenantId(args[0]);
    const { deleteTenant } = await services();
    await deleteTenant(platform, id);
    return { data: { id, deleted: true }, text: `tenant ${id} deleted` };
  },
};

function suspendCommand(suspended: boolean): CommandSpec {
  const verb = suspended ? 'suspend' : 'resume';
  return {
    path: ['tenant', verb],
    args: ['<id>'],
    summary: suspended
      ? 'Suspend a tenant: its endpoints answer 403 until it is resumed (data is kept)'
      : 'Resume a suspended tenant',
    validate: validateTenantId,
    async run({ platform, args }) {
      const { tenantView, setTenantSuspended } = await services();
      const view = tenantView(platform, await setTenantSuspended(platform, args[0]!, suspended));
      return { data: view, text: `tenant ${view.id} is ${view.status}` };
    },
  };
}

export const tenantCommands: CommandSpec[] = [
  tenantCreateCommand,
  tenantListCommand,
  tenantShowCommand,
  tenantDeleteCommand,
  suspendCommand(true),
  suspendCommand(false),
];
