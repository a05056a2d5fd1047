import { UsageError, listOption, stringOption, type CommandSpec } from '../command.ts';
import { renderTable, shortTime } from '../table.ts';
/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/apis/apis.service.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../db/page.ts')),
});

export const apiCreateCommand: CommandSpec = {
  path: ['api', 'create'],
  args: ['<tenant>'],
  summary: 'Register an API (resource server): its access tokens are JWTs with aud = the identifier',
  options: [
    { name: 'identifier', description: 'absolute URI, e.g. https://api.acme.test (the resource indicator and token audience)', required: true },
    { name: 'scopes', description: 'scopes of the API', type: 'list' },
    { name: 'name', description: 'display name (default: the identifier)' },
    { name: 'ttl', description: 'access token lifetime in seconds (default 3600)' },
    { name: 'default', description: 'use this API when a client names no resource', type: 'boolean' },
  ],
  validate({ options }) {
    const ttl = stringOption(options, 'ttl');
    if (ttl !== undefined && !/^\d+$/.test(ttl)) throw new UsageError(`--ttl must be a number of seconds, got "${ttl}"`);
  },
  async run(context) {
    const { options } = context;
    const tenantId = context.args[0]!;
    const ttl = stringOption(options, 'ttl');
    const { withTenantScope, createApi, CLI_ACTOR } = await services();
    const api = await withTenantScope(context.platform, tenantId, (scope) =>
      createApi(scope, {
        identifier: stringOption(options, 'identifier')!,
        scopes: listOption(options, 'scopes'),
        name: stringOption(options, 'name'),
        accessTokenTtl: ttl === undefined ? undefined : Number(ttl),
        isDefault: options.default === true,
      }, CLI_ACTOR),
    );
    return {
      data: api,
      text: `created API ${api.identifier}${api.is_default ? ' (default)' : ''} with scopes: ${api.scopes.join(', ') || '(none)'}`,
    };
  },
};

export const apiListCommand: CommandSpec = {
  path: ['api', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's APIs",
  async run(context) {
    const tenantId = context.args[0]!;
    const { withTenantScope, listTenantApis, allPages } = await services();
    const apis = await withTenantScope(context.platform, tenantId, (scope) => allPages((page) => listTenantApis(scope, page)));
    const text = renderTable(apis, [
      { header: 'IDENTIFIER', value: (a) => a.identifier },
      { header: 'SCOPES', value: (a) => a.scopes.join(',') },
      { header: 'TTL', value: (a) => a.access_token_ttl, align: 'right' },
      { header: 'DEFAULT', value: (a) => (a.is_default ? 'yes' : 'no') },
      { header: 'CREATED', value: (a) => shortTime(a.created_at) },
    ]);
    return { data: apis, text };
  },
};

export const apiDeleteCommand: CommandSpec = {
  path: ['api', 'delete'],
  args: ['<tenant>', '<identifier>'],
  summary: 'Delete an API; new tokens for it are refused at once',
  async run(context) {
    const [tenantId, identifier] = context.args as [string, string];
    const { withTenantScope, deleteTenantApi, CLI_ACTOR } = await services();
    await withTenantScope(context.platform, tenantId, (scope) => deleteTenantApi(scope, { identifier }, CLI_ACTOR));
    return { data: { deleted: identifier }, text: `deleted API ${identifier}` };
  },
};

export const apiCommands: CommandSpec[] = [apiCreateCommand, apiListCommand, apiDeleteCommand];
