import { stringOption, type CommandSpec } from '../command.ts';

export const tenantCreateAdminCommand: CommandSpec = {
  path: ['tenant', 'create-admin'],
  summary: "Create the platform's admin tenant `admin`, whose users with PlatformAdmin sign in to the platform admin API",
  options: [
    { name: 'name', description: 'display name (default: Platform administration)' },
    { name: 'admin-email', description: 'email of its first admin, TenantAdmin and PlatformAdmin (default: admin@admin.localhost)' },
    {
      name: 'admin-password',
      description: 'admin password, 10+ characters (default: generated and printed once); visible in ps: prefer --admin-password-file',
      secret: { prompt: 'Password for the platform admin' },
    },
    { name: 'cluster', description: 'registered cluster to place the database on (default: the least loaded)' },
  ],
  async run({ platform, options }) {
    const { createPlatformAdminTenant } = await import('../../provisioning/platform-admin-tenant.ts');
    const { createdTenantView } = await import('../../provisioning/tenant-view.ts');
    const created = await createPlatformAdminTenant(platform, {
      displayName: stringOption(options, 'name'),
      adminEmail: stringOption(options, 'admin-email'),
      adminPassword: stringOption(options, 'admin-password'),
      cluster: stringOption(options, 'cluster'),
    });
    const view = { ...createdTenantView(platform, created), platform_api: created.platformApi };
    const lines = [
      `tenant    ${view.tenant.id} (${view.tenant.name}), issuer ${view.tenant.issuer}`,
      `admin     ${view.admin.email} (TenantAdmin, PlatformAdmin)`,
      ...(view.admin.password ? [`password  ${view.admin.password}   (generated, shown only now; only its argon2id hash is stored)`] : []),
      `platform API tokens: resource=${view.platform_api.identifier} scope=${view.platform_api.scope}`,
    ];
    return { data: view, text: lines.join('\n') };
  },
};
