import fs from 'node:fs';
import { UsageError, listOption, stringOption, type CommandSpec, type OptionSpec, type ParsedOptions } from '../command.ts';
import { renderTable } from '../table.ts';
import { CONNECTION_TYPES, MAPPED_CLAIMS, type MappedClaim, type ResponseMode, type TokenEndpointAuthMethod } from '../../modules/connections/connection-types.ts';
import type { ConnectionInput } from '../../modules/connections/connections.service.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/connections/connections.service.ts')),
  ...(await import('../../modules/connections/connection-view.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../db/page.ts')),
});

/** What `idp add` and `idp update` both take (the admin API's settable properties). */
const SETTABLE: OptionSpec[] = [
  { name: 'display-name', description: 'the button says "Continue with <display name>" (default: the provider, e.g. Google)' },
  { name: 'issuer', description: 'oidc: the issuer, its discovery document is read from there; oauth2: the RFC 9207 iss its answers name' },
  { name: 'authorization-endpoint', description: 'oauth2: the authorization endpoint' },
  { name: 'token-endpoint', description: 'oauth2: the token endpoint' },
  { name: 'userinfo-endpoint', description: 'oauth2: the endpoint the profile is read from' },
  { name: 'client-id', description: 'the client id the provider gave' },
  { name: 'client-secret-file', description: 'file whose first line is the client secret (kept out of the shell history and ps)' },
  { name: 'client-secret', description: 'the client secret itself (prefer --client-secret-file)' },
  { name: 'private-key-file', description: 'apple: the .p8 key file Apple lets you download once' },
  { name: 'scopes', description: 'scopes to ask for (default: the type\'s, e.g. openid email profile)', type: 'list' },
  { name: 'claim', description: `oauth2: field=claim, the user endpoint field a profile field is read from (${MAPPED_CLAIMS.join(', ')})`, type: 'list' },
  { name: 'auth-method', description: 'client_secret_basic, client_secret_post or none' },
  { name: 'response-mode', description: 'oidc/oauth2: query (default) or form_post' },
  { name: 'trust-email', description: 'oidc/oauth2/saml: true if the provider confirms every address it gives (saml: within --domain, if any) (true | false)' },
  { name: 'microsoft-tenant', description: 'microsoft: the directory id or domain, or common (default), organizations, consumers' },
  { name: 'team-id', description: 'apple: your team id' },
  { name: 'key-id', description: 'apple: the id of the key in --private-key-file' },
  { name: 'metadata-file', description: "saml: the identity provider's SAML metadata XML file" },
  { name: 'domain', description: 'email domain whose login_hint goes straight to this provider', type: 'list' },
  { name: 'default-role', description: 'role an account created through it gets', type: 'list' },
  { name: 'create-users', description: 'a first sign-in with a confirmed address creates the account: true (default) | false' },
  { name: 'enabled', description: 'true (default) | false: a disabled provider has no button and signs nobody in' },
];

function flag(options: ParsedOptions, name: string): boolean | undefined {
  const raw = stringOption(options, name);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

function readFile(path: string, option: string, firstLineOnly: boolean): string {
  let content: string;
  try {
    content = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const value = firstLineOnly ? content.split(/\r?\n/, 1)[0]! : content;
  if (value.trim() === '') throw new UsageError(`--${option} ${path} is empty`);
  return value;
}

function claimMapping(options: ParsedOptions): Partial<Record<MappedClaim, string>> | undefined {
  const pairs = listOption(options, 'claim');
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const [field, claim] = pair.split('=');
      if (!field || !claim) throw new UsageError(`--claim takes field=claim, e.g. subject=id, got "${pair}"`);
      return [field, claim];
    }),
  );
}

function inputOf(options: ParsedOptions): ConnectionInput {
  const secretFile = stringOption(options, 'client-secret-file');
  const keyFile = stringOption(options, 'private-key-file');
  const metadataFile = stringOption(options, 'metadata-file');
  if (secretFile !== undefined && stringOption(options, 'client-secret') !== undefined) throw new UsageError('give --client-secret or --client-secret-file, not both');
  return {
    displayName: stringOption(options, 'display-name'),
    issuer: stringOption(options, 'issuer'),
    authorizationEndpoint: stringOption(options, 'authorization-endpoint'),
    tokenEndpoint: stringOption(options, 'token-endpoint'),
    userinfoEndpoint: stringOption(options, 'userinfo-endpoint'),
    clientId: stringOption(options, 'client-id'),
    clientSecret: secretFile === undefined ? stringOption(options, 'client-secret') : readFile(secretFile, 'client-secret-file', true),
    privateKey: keyFile === undefined ? undefined : readFile(keyFile, 'private-key-file', false),
    scopes: options.scopes === undefined ? undefined : listOption(options, 'scopes'),
    claimMapping: claimMapping(options),
    tokenEndpointAuthMethod: stringOption(options, 'auth-method') as TokenEndpointAuthMethod | undefined,
    responseMode: stringOption(options, 'response-mode') as ResponseMode | undefined,
    trustEmail: flag(options, 'trust-email'),
    tenant: stringOption(options, 'microsoft-tenant'),
    teamId: stringOption(options, 'team-id'),
    keyId: stringOption(options, 'key-id'),
    metadata: metadataFile === undefined ? undefined : readFile(metadataFile, 'metadata-file', false),
    domains: options.domain === undefined ? undefined : listOption(options, 'domain'),
    defaultRoles: options['default-role'] === undefined ? undefined : listOption(options, 'default-role'),
    createUsers: flag(options, 'create-users'),
    enabled: flag(options, 'enabled'),
  };
}

function checkFlags(options: ParsedOptions): void {
  for (const name of ['trust-email', 'create-users', 'enabled']) flag(options, name);
  claimMapping(options);
}

export const idpAddCommand: CommandSpec = {
  path: ['idp', 'add'],
  args: ['<tenant>', '<name>'],
  summary: 'Add an upstream identity provider (connection) people can sign in with; prints the redirect URI to register there',
  options: [{ name: 'type', description: CONNECTION_TYPES.join(' | '), required: true }, ...SETTABLE],
  validate({ options }) {
    const type = stringOption(options, 'type');
    if (!(CONNECTION_TYPES as readonly (string | undefined)[]).includes(type)) throw new UsageError(`--type must be one of ${CONNECTION_TYPES.join(', ')}`);
    checkFlags(options);
  },
  async run(context) {
    const [tenantId, name] = context.args as [string, string];
    const input = inputOf(context.options);
    const { withTenantScope, createConnection, connectionView, CLI_ACTOR } = await services();
    const view = await withTenantScope(context.platform, tenantId, async (scope) =>
      connectionView(scope, await createConnection(scope, { name, type: stringOption(context.options, 'type')!, ...input }, CLI_ACTOR)),
    );
    return {
      data: view,
      text: view.saml
        ? `added saml connection ${view.name} ("Continue with ${view.display_name}")\ngive the identity provider this SP metadata: ${view.saml.metadata_url}\n(entity ID ${view.saml.entity_id}, ACS ${view.saml.acs_url}, HTTP-POST)`
        : `added ${view.type} connection ${view.name} ("Continue with ${view.display_name}")\nregister this redirect URI at the provider: ${view.redirect_uri}`,
    };
  },
};

export const idpListCommand: CommandSpec = {
  path: ['idp', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's upstream identity providers (never their secrets)",
  async run(context) {
    const { withTenantScope, listConnections, connectionView, allPages } = await services();
    const views = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      (await allPages((page) => listConnections(scope, page))).map((connection) => connectionView(scope, connection)),
    );
    const table = renderTable(views, [
      { header: 'NAME', value: (c) => c.name },
      { header: 'TYPE', value: (c) => c.type },
      { header: 'ENABLED', value: (c) => (c.enabled ? 'yes' : 'no') },
      { header: 'CLIENT ID', value: (c) => c.client_id },
      { header: 'ISSUER', value: (c) => c.issuer ?? c.authorization_endpoint },
      { header: 'DOMAINS', value: (c) => c.domains.join(',') },
    ]);
    const redirect = views[0] ? `\nredirect URI for every provider: ${views[0].redirect_uri}` : '';
    return { data: views, text: `${table}${redirect}` };
  },
};

export const idpUpdateCommand: CommandSpec = {
  path: ['idp', 'update'],
  args: ['<tenant>', '<name>'],
  summary: 'Change an upstream identity provider: only what is given changes; a new secret replaces the old',
  options: SETTABLE,
  validate({ options }) {
    checkFlags(options);
  },
  async run(context) {
    const [tenantId, name] = context.args as [string, string];
    const input = inputOf(context.options);
    const { withTenantScope, updateConnection, connectionView, CLI_ACTOR } = await services();
    const view = await withTenantScope(context.platform, tenantId, async (scope) => connectionView(scope, await updateConnection(scope, { name }, input, CLI_ACTOR)));
    return { data: view, text: `updated connection ${view.name}${view.enabled ? '' : ' (disabled)'}` };
  },
};

export const idpRemoveCommand: CommandSpec = {
  path: ['idp', 'remove'],
  args: ['<tenant>', '<name>'],
  summary: 'Remove an upstream identity provider and unlink every account from it (needs --yes); the users stay',
  options: [{ name: 'yes', description: 'confirm: the identities linked through it are gone for good', type: 'boolean' }],
  validate({ args, options }) {
    if (options.yes !== true) throw new UsageError(`removing connection "${args[1]}" unlinks every account from it; add --yes to confirm`);
  },
  async run(context) {
    const [tenantId, name] = context.args as [string, string];
    const { withTenantScope, deleteConnection, CLI_ACTOR } = await services();
    const { unlinkedIdentities } = await withTenantScope(context.platform, tenantId, (scope) => deleteConnection(scope, { name }, CLI_ACTOR));
    return { data: { removed: name, unlinked_identities: unlinkedIdentities }, text: `removed connection ${name}; ${unlinkedIdentities} linked identities unlinked` };
  },
};

export const idpCommands: CommandSpec[] = [idpAddCommand, idpListCommand, idpUpdateCommand, idpRemoveCommand];
