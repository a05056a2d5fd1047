import fs from 'node:fs';
import { UsageError, listOption, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { renderTable, shortTime } from '../table.ts';
import type { ClientAuthMethod, ClientType } from '../../modules/clients/clients.service.ts';
import { SECRET_GRACE_DAYS } from '../../modules/clients/secret-grace.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/clients/clients.service.ts')),
  ...(await import('../../modules/clients/secret-rotation.service.ts')),
  ...(await import('../../modules/clients/client-view.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../db/page.ts')),
});

function readJwksFile(path: string | undefined): { keys: Record<string, unknown>[] } | undefined {
  if (path === undefined) return undefined;
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8')) as { keys: Record<string, unknown>[] };
  } catch (error) {
    throw new UsageError(`--jwks-file: cannot read a JSON JWKS from "${path}": ${(error as Error).message}`);
  }
}

export const clientCreateCommand: CommandSpec = {
  path: ['client', 'create'],
  args: ['<tenant>'],
  summary: 'Register an OAuth client; a confidential client secret is printed once and stored as SHA-256',
  options: [
    { name: 'name', description: 'display name shown on the consent page', required: true },
    { name: 'type', description: 'public (browser/mobile apps, PKCE) or confidential (servers)', required: true },
    { name: 'redirect-uri', description: 'allowed redirect URI, matched exactly', type: 'list' },
    { name: 'post-logout-redirect-uri', description: 'allowed post-logout redirect URI', type: 'list' },
    { name: 'cors-origin', description: 'browser origin allowed besides those of the redirect URIs, e.g. https://app.example.com', type: 'list' },
    {
      name: 'grant',
      description:
        'authorization_code, refresh_token, client_credentials, password (legacy, opt-in), urn:ietf:params:oauth:grant-type:device_code (TVs, CLIs), urn:ietf:params:oauth:grant-type:token-exchange (a service acting for a user); default: from the type and redirect URIs',
      type: 'list',
    },
    {
      name: 'resource',
      description: 'API identifier the client may get tokens for: signing users in, the default is every API; with client_credentials, each is granted (default: none, see client grant-api)',
      type: 'list',
    },
    { name: 'auth-method', description: 'client_secret_basic (default), client_secret_post or private_key_jwt' },
    { name: 'jwks-file', description: 'JSON file with the public JWKS for private_key_jwt' },
    { name: 'first-party', description: "the tenant's own app: no consent page", type: 'boolean' },
    { name: 'require-par', description: 'accept authorization requests only through PAR (RFC 9126)', type: 'boolean' },
    { name: 'dpop', description: 'issue access tokens only bound to a DPoP key (RFC 9449)', type: 'boolean' },
  ],
  validate({ options }) {
    const type = stringOption(options, 'type');
    if (type !== 'public' && type !== 'confidential') throw new UsageError('--type must be "public" or "confidential"');
  },
  async run(context) {
    const { options } = context;
    const tenantId = context.args[0]!;
    const jwks = readJwksFile(stringOption(options, 'jwks-file'));
    const { withTenantScope, createClient, describeClient, CLI_ACTOR } = await services();
    const created = await withTenantScope(context.platform, tenantId, (scope) =>
      createClient(scope, {
        name: stringOption(options, 'name')!,
        type: stringOption(options, 'type') as ClientType,
        redirectUris: listOption(options, 'redirect-uri'),
        postLogoutRedirectUris: listOption(options, 'post-logout-redirect-uri'),
        corsOrigins: listOption(options, 'cors-origin'),
        grantTypes: listOption(options, 'grant'),
        resources: listOption(options, 'resource'),
        authMethod: stringOption(options, 'auth-method') as ClientAuthMethod | undefined,
        jwks,
        firstParty: options['first-party'] === true,
        requirePushedAuthorizationRequests: options['require-par'] === true,
        dpopBoundAccessTokens: options.dpop === true,
      }, CLI_ACTOR),
    );
    const client = describeClient(created.client);
    const lines = [
      `created ${client.type} client "${client.name}"`,
      `  client_id     ${client.client_id}`,
      `  auth method   ${client.token_endpoint_auth_method}`,
      `  grants        ${client.grant_types.join(', ')}`,
    ];
    const requires = [client.require_pushed_authorization_requests ? 'PAR' : '', client.dpop_bound_access_tokens ? 'DPoP' : ''].filter(Boolean);
    if (requires.length > 0) lines.push(`  requires      ${requires.join(', ')}`);
    if (created.clientSecret) lines.push(`  client_secret ${created.clientSecret}   (shown once; only its SHA-256 is stored)`);
    return { data: { ...client, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}) }, text: lines.join('\n') };
  },
};

export const clientListCommand: CommandSpec = {
  path: ['client', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's clients",
  async run(context) {
    const tenantId = context.args[0]!;
    const { withTenantScope, listTenantClients, describeClient, allPages } = await services();
    const clients = (await withTenantScope(context.platform, tenantId, (scope) => allPages((page) => listTenantClients(scope, page)))).map(describeClient);
    const text = renderTable(clients, [
      { header: 'CLIENT_ID', value: (c) => c.client_id },
      { header: 'NAME', value: (c) => c.name },
      { header: 'TYPE', value: (c) => c.type },
      { header: 'AUTH', value: (c) => c.token_endpoint_auth_method },
      { header: 'GRANTS', value: (c) => c.grant_types.join(',') },
      { header: 'FIRST_PARTY', value: (c) => (c.first_party ? 'yes' : 'no') },
      { header: 'CREATED', value: (c) => shortTime(c.created_at) },
    ]);
    return { data: clients, text };
  },
};

export const clientDeleteCommand: CommandSpec = {
  path: ['client', 'delete'],
  args: ['<tenant>', '<client-id>'],
  summary: 'Delete a client; its tokens stop being accepted at once',
  async run(context) {
    const [tenantId, clientId] = context.args as [string, string];
    const { withTenantScope, deleteTenantClient, CLI_ACTOR } = await services();
    await withTenantScope(context.platform, tenantId, (scope) => deleteTenantClient(scope, clientId, CLI_ACTOR));
    return { data: { deleted: clientId }, text: `deleted client ${clientId}` };
  },
};

export const clientGrantApiCommand: CommandSpec = {
  path: ['client', 'grant-api'],
  args: ['<tenant>', '<client-id>', '<api>'],
  summary: 'Let a client_credentials client get access tokens for an API (machine clients get none without a grant)',
  async run(context) {
    const [tenantId, clientId, api] = context.args as [string, string, string];
    const { withTenantScope, grantClientApi, CLI_ACTOR } = await services();
    const grant = await withTenantScope(context.platform, tenantId, (scope) => grantClientApi(scope, clientId, { identifier: api }, CLI_ACTOR));
    return { data: grant, text: grant.changed ? `granted API ${grant.api} to client ${grant.client_id}` : `client ${grant.client_id} already had API ${grant.api}` };
  },
};

export const clientRevokeApiCommand: CommandSpec = {
  path: ['client', 'revoke-api'],
  args: ['<tenant>', '<client-id>', '<api>'],
  summary: "Withdraw a client's grant for an API: new tokens are refused at once, issued ones live until they expire",
  async run(context) {
    const [tenantId, clientId, api] = context.args as [string, string, string];
    const { withTenantScope, revokeClientApi, CLI_ACTOR } = await services();
    const grant = await withTenantScope(context.platform, tenantId, (scope) => revokeClientApi(scope, clientId, { identifier: api }, CLI_ACTOR));
    return { data: grant, text: `revoked API ${grant.api} from client ${grant.client_id}` };
  },
};

/** `--grace-days`, judged here so the error names the flag the user typed. */
function graceDays(options: ParsedOptions): number | undefined {
  const raw = stringOption(options, 'grace-days');
  if (raw === undefined) return undefined;
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days > SECRET_GRACE_DAYS.max) {
    throw new UsageError(`--grace-days must be a whole number of days from 0 to ${SECRET_GRACE_DAYS.max}, got "${raw}"`);
  }
  return days;
}

export const clientRotateSecretCommand: CommandSpec = {
  path: ['client', 'rotate-secret'],
  args: ['<tenant>', '<client-id>'],
  summary: 'Give a client a new secret, printed once; the old one stops working at once, or after --grace-days',
  options: [{ name: 'grace-days', description: `days the old secret stays valid, 0 to ${SECRET_GRACE_DAYS.max} (default ${SECRET_GRACE_DAYS.default}: it stops at once)` }],
  validate({ options }) {
    graceDays(options);
  },
  async run(context) {
    const [tenantId, clientId] = context.args as [string, string];
    const days = graceDays(context.options);
    const { withTenantScope, rotateClientSecret, clientView, CLI_ACTOR } = await services();
    const rotated = await withTenantScope(context.platform, tenantId, (scope) => rotateClientSecret(scope, clientId, { graceDays: days }, CLI_ACTOR));
    const view = clientView(rotated.client);
    const until = view.previous_secret_expires_at;
    return {
      data: { client_id: view.client_id, client_secret: rotated.clientSecret, previous_secret_expires_at: until },
      text: [
        `rotated the secret of client ${view.client_id}`,
        `  client_secret ${rotated.clientSecret}   (shown once; only its SHA-256 is stored)`,
        `  old secret    ${until ? `valid until ${until}` : 'no longer valid'}`,
      ].join('\n'),
    };
  },
};

export const clientCommands: CommandSpec[] = [clientCreateCommand, clientListCommand, clientDeleteCommand, clientGrantApiCommand, clientRevokeApiCommand, clientRotateSecretCommand];
