import crypto from 'node:crypto';
import { AppError, notFound, pgCode } from '../../errors.ts';
import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { changedProperties } from '../audit/audit-diff.ts';
import {
  checkApplePrivateKey,
  checkAppleId,
  checkAuthMethod,
  checkClaimMapping,
  checkClientId,
  checkClientSecret,
  checkConnectionName,
  checkDefaultRoles,
  checkDisplayName,
  checkDomains,
  checkMicrosoftTenant,
  checkResponseMode,
  checkScopes,
  checkUpstreamUrl,
} from './connection-rules.ts';
import { TYPE_RULES, isConnectionType, microsoftIssuer, type ConnectionType, type MappedClaim, type ResponseMode, type TokenEndpointAuthMethod } from './connection-types.ts';
import { connectionOf, secretContext, type Connection, type StoredSettings } from './connection.ts';
import { connectionAuditSummary } from './connection-view.ts';
import { readIdpMetadata } from './saml-metadata.ts';
import { generateSpKeyPair } from './saml-keys.ts';
import { assertPublicHost } from './upstream-hosts.ts';
import {
  deleteConnectionRow,
  findConnectionById,
  findConnectionByName,
  insertConnection,
  listConnectionRows,
  lockConnection,
  updateConnectionRow,
  type ConnectionRow,
} from './connections.repository.ts';

/** What an admin sets on a connection; which properties a type takes is checked (applyInput). */
export interface ConnectionInput {
  displayName?: string;
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  clientId?: string;
  /** Write-only: sealed at rest, never shown again. Not for Apple, which takes `privateKey`. */
  clientSecret?: string;
  /** Apple's `.p8` key, PEM; sealed like a client secret. */
  privateKey?: string;
  scopes?: string[];
  claimMapping?: Partial<Record<MappedClaim, string>>;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  responseMode?: ResponseMode;
  trustEmail?: boolean;
  /** Microsoft: a directory id or domain, or common / organizations / consumers. */
  tenant?: string;
  teamId?: string;
  keyId?: string;
  /** SAML: the identity provider's metadata XML (saml-metadata.ts reads it). */
  metadata?: string;
  domains?: string[];
  defaultRoles?: string[];
  createUsers?: boolean;
  enabled?: boolean;
}

export interface CreateConnectionInput extends ConnectionInput {
  name: string;
  type: string;
}

/** A connection named by its id (the admin API's paths) or its name (the CLI's words). */
export type ConnectionRef = { id: string } | { name: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const refText = (ref: ConnectionRef) => ('id' in ref ? ref.id : ref.name);
const invalid = (message: string) => new AppError('invalid_connection', message);

/** The row's editable part, as applyInput builds it up. */
interface Draft {
  display_name: string;
  issuer: string | null;
  client_id: string;
  scopes: string[];
  settings: StoredSettings;
  domains: string[];
  default_roles: string[];
  create_users: boolean;
  enabled: boolean;
}

/** Properties only some types take: given to another type, they are refused, not ignored. */
const ONLY_FOR: Partial<Record<keyof ConnectionInput, readonly ConnectionType[]>> = {
  issuer: ['oidc', 'oauth2'],
  authorizationEndpoint: ['oauth2'],
  tokenEndpoint: ['oauth2'],
  userinfoEndpoint: ['oauth2'],
  claimMapping: ['oauth2'],
  responseMode: ['oidc', 'oauth2'],
  tokenEndpointAuthMethod: ['oidc', 'oauth2', 'google', 'microsoft', 'github'],
  clientSecret: ['oidc', 'oauth2', 'google', 'microsoft', 'github'],
  privateKey: ['apple'],
  tenant: ['microsoft'],
  teamId: ['apple'],
  keyId: ['apple'],
  trustEmail: ['oidc', 'oauth2', 'saml'],
  metadata: ['saml'],
  clientId: ['oidc', 'oauth2', 'google', 'microsoft', 'github', 'apple'],
  scopes: ['oidc', 'oauth2', 'google', 'microsoft', 'github', 'apple'],
};

const SNAKE: Record<string, string> = {
  authorizationEndpoint: 'authorization_endpoint',
  tokenEndpoint: 'token_endpoint',
  userinfoEndpoint: 'userinfo_endpoint',
  claimMapping: 'claim_mapping',
  responseMode: 'response_mode',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  clientSecret: 'client_secret',
  privateKey: 'private_key',
  teamId: 'team_id',
  keyId: 'key_id',
  trustEmail: 'trust_email',
  clientId: 'client_id',
};

function refuseForeignProperties(type: ConnectionType, input: ConnectionInput): void {
  for (const [property, types] of Object.entries(ONLY_FOR)) {
    if (input[property as keyof ConnectionInput] !== undefined && !types.includes(type)) {
      throw invalid(`a ${type} connection has no ${SNAKE[property] ?? property}`);
    }
  }
}

function applyInput(type: ConnectionType, current: Draft, input: ConnectionInput): Draft {
  refuseForeignProperties(type, input);
  const settings: StoredSettings = { ...current.settings };
  if (input.authorizationEndpoint !== undefined) settings.authorization_endpoint = checkUpstreamUrl(input.authorizationEndpoint, 'authorization_endpoint');
  if (input.tokenEndpoint !== undefined) settings.token_endpoint = checkUpstreamUrl(input.tokenEndpoint, 'token_endpoint');
  if (input.userinfoEndpoint !== undefined) settings.userinfo_endpoint = checkUpstreamUrl(input.userinfoEndpoint, 'userinfo_endpoint');
  if (input.claimMapping !== undefined) settings.claim_mapping = checkClaimMapping(input.claimMapping);
  if (input.tokenEndpointAuthMethod !== undefined) settings.token_endpoint_auth_method = checkAuthMethod(input.tokenEndpointAuthMethod);
  if (input.responseMode !== undefined) settings.response_mode = checkResponseMode(input.responseMode);
  if (input.trustEmail !== undefined) settings.trust_email = input.trustEmail === true;
  if (input.tenant !== undefined) settings.tenant = checkMicrosoftTenant(input.tenant);
  if (input.teamId !== undefined) settings.team_id = checkAppleId(input.teamId, 'team_id');
  if (input.keyId !== undefined) settings.key_id = checkAppleId(input.keyId, 'key_id');
  if (type === 'microsoft') settings.tenant ??= 'common';
  let issuer = current.issuer;
  if (input.metadata !== undefined) {
    // The IdP's entity ID is its issuer: samlify checks every assertion's Issuer against it.
    const idp = readIdpMetadata(input.metadata);
    settings.idp_metadata = input.metadata.trim();
    settings.idp_sso_url = idp.ssoUrl;
    settings.idp_want_authn_requests_signed = idp.wantAuthnRequestsSigned;
    issuer = idp.entityId;
  }
  const rules = TYPE_RULES[type];
  return {
    display_name: input.displayName === undefined ? current.display_name : checkDisplayName(input.displayName, rules.label),
    issuer:
      type === 'microsoft'
        ? microsoftIssuer(settings.tenant!)
        : (rules.issuer ?? (input.issuer === undefined ? issuer : checkUpstreamUrl(input.issuer, 'issuer'))),
    client_id: input.clientId === undefined ? current.client_id : checkClientId(input.clientId),
    scopes: input.scopes === undefined ? current.scopes : checkScopes(input.scopes, type),
    settings,
    domains: input.domains === undefined ? current.domains : checkDomains(input.domains),
    default_roles: input.defaultRoles === undefined ? current.default_roles : checkDefaultRoles(input.defaultRoles),
    create_users: input.createUsers ?? current.create_users,
    enabled: input.enabled ?? current.enabled,
  };
}

/** What a connection of this type cannot work without, checked on the whole after each change. */
function assertComplete(type: ConnectionType, draft: Draft, hasSecret: boolean): void {
  if (type === 'saml') {
    if (!draft.settings.idp_metadata) throw invalid("a saml connection needs metadata: the identity provider's SAML metadata XML");
    return;
  }
  if (draft.client_id === '') throw invalid('client_id is required: the client id the provider gave you');
  if (type === 'oidc' && !draft.issuer) throw invalid('an oidc connection needs the issuer (its discovery document is read from there)');
  const { settings } = draft;
  if (type === 'oauth2' && !(settings.authorization_endpoint && settings.token_endpoint && settings.userinfo_endpoint)) {
    throw invalid('an oauth2 connection needs authorization_endpoint, token_endpoint and userinfo_endpoint');
  }
  if (type === 'apple') {
    if (!settings.team_id || !settings.key_id) throw invalid('an apple connection needs team_id and key_id');
    if (!hasSecret) throw invalid('an apple connection needs private_key: the .p8 key file from Apple');
    return;
  }
  const authMethod = settings.token_endpoint_auth_method ?? TYPE_RULES[type].authMethod;
  if (authMethod !== 'none' && !hasSecret) throw invalid(`client_secret is required with ${authMethod}`);
}

function newDraft(type: ConnectionType): Draft {
  return {
    display_name: TYPE_RULES[type].label,
    issuer: null,
    client_id: '',
    scopes: [...TYPE_RULES[type].scopes],
    settings: {},
    domains: [],
    default_roles: [],
    create_users: true,
    enabled: true,
  };
}

function draftOf(row: ConnectionRow): Draft {
  const { display_name, issuer, client_id, scopes, domains, default_roles, create_users, enabled } = row;
  return { display_name, issuer, client_id, scopes, settings: row.settings as StoredSettings, domains, default_roles, create_users, enabled };
}

function newSecretOf(type: ConnectionType, input: ConnectionInput): string | undefined {
  if (type === 'saml') return undefined;
  if (type === 'apple') return input.privateKey === undefined ? undefined : checkApplePrivateKey(input.privateKey);
  return input.clientSecret === undefined ? undefined : checkClientSecret(input.clientSecret);
}

/**
 * The SSRF guard at save time (upstream-hosts.ts): the URLs this server will fetch from, unless
 * the platform allows private hosts. SAML has none (its metadata is given, its SSO URL is where
 * the browser goes); the presets' fixed URLs are public.
 */
async function assertPublicUrls(scope: TenantScope, draft: Draft): Promise<void> {
  if (scope.allowPrivateUpstreams) return;
  const { settings } = draft;
  const urls: [string, string | null | undefined][] = [
    ['issuer', draft.issuer],
    ['authorization_endpoint', settings.authorization_endpoint],
    ['token_endpoint', settings.token_endpoint],
    ['userinfo_endpoint', settings.userinfo_endpoint],
  ];
  for (const [what, url] of urls) {
    if (!url || !URL.canParse(url)) continue;
    try {
      await assertPublicHost(url, what);
    } catch (error) {
      if (error instanceof AppError) throw invalid(error.message);
      throw error;
    }
  }
}

const rowValues = (draft: Draft) => ({ ...draft, settings: JSON.stringify(draft.settings) });

/**
 * A connection to an upstream identity provider. Its secret is sealed under the master key, bound
 * to the tenant and the connection's id, and never shown again. Nothing is fetched from the
 * provider here: discovery happens at the first sign-in (upstream-client.ts), so a provider that
 * is down does not stop an admin from setting it up.
 */
export async function createConnection(scope: TenantScope, input: CreateConnectionInput, actor: Actor): Promise<Connection> {
  if (!isConnectionType(input.type)) throw invalid(`type must be one of ${Object.keys(TYPE_RULES).join(', ')}`);
  const type = input.type;
  const name = checkConnectionName(input.name);
  const draft = applyInput(type, newDraft(type), input);
  let secret = newSecretOf(type, input);
  assertComplete(type, draft, secret !== undefined);
  if (type !== 'saml') await assertPublicUrls(scope, draft);
  const id = crypto.randomUUID();
  if (type === 'saml') {
    // The service provider's own key pair: the key sealed as the connection's secret, the certificate published.
    const pair = await generateSpKeyPair(`${name}.${scope.id}`);
    secret = pair.privateKeyPem;
    draft.settings.sp_certificate = pair.certificatePem;
  }
  const rules = TYPE_RULES[type];
  try {
    return await scope.db.transaction().execute(async (trx) => {
      const row = await insertConnection(trx, {
        id,
        name,
        kind: rules.protocol,
        preset: rules.preset,
        ...rowValues(draft),
        client_secret_encrypted: secret === undefined ? null : scope.secrets.seal(secret, secretContext(scope, id)),
      });
      const connection = connectionOf(row);
      await recordAuditEvent(trx, {
        actor: actorText(actor),
        ip: actor.ip,
        action: 'connection.created',
        target: id,
        details: { after: connectionAuditSummary(connection) },
      });
      return connection;
    });
  } catch (error) {
    if (pgCode(error) === '23505') throw new AppError('connection_exists', `a connection named "${name}" already exists`, 409);
    throw error;
  }
}

export async function listConnections(scope: TenantScope, page: PageRequest): Promise<Page<Connection>> {
  return mapPage(await listConnectionRows(scope.db, page), connectionOf);
}

/** The row named by `ref`, if there is one; an id that is no UUID names none. */
export async function lookupConnectionRow(db: TenantDb, ref: ConnectionRef): Promise<ConnectionRow | undefined> {
  if ('name' in ref) return findConnectionByName(db, ref.name);
  return UUID.test(ref.id) ? findConnectionById(db, ref.id) : undefined;
}

/** The connection, or `connection_not_found`. */
export async function getConnection(scope: TenantScope, ref: ConnectionRef): Promise<Connection> {
  const row = await lookupConnectionRow(scope.db, ref);
  if (!row) throw notFound('connection', refText(ref).slice(0, 64));
  return connectionOf(row);
}

async function changeConnection<T>(scope: TenantScope, ref: ConnectionRef, check: ((current: Connection) => void) | undefined, change: (trx: TenantDb, row: ConnectionRow) => Promise<T>): Promise<T> {
  if ('id' in ref && !UUID.test(ref.id)) throw notFound('connection', ref.id.slice(0, 64));
  return scope.db.transaction().execute(async (trx) => {
    const row = await lockConnection(trx, ref);
    if (!row) throw notFound('connection', refText(ref).slice(0, 64));
    check?.(connectionOf(row));
    return change(trx, row);
  });
}

/**
 * Changes what is given and keeps the rest; a new secret replaces the old one. Name and type are
 * fixed: the name is in tokens already issued (`idp`), and a new type is a new connection.
 * Disabling one stops new sign-ins through it at once, trips already under way included; the
 * identities stay linked for when it is enabled again.
 */
export function updateConnection(scope: TenantScope, ref: ConnectionRef, input: ConnectionInput, actor: Actor, check?: (current: Connection) => void): Promise<Connection> {
  return changeConnection(scope, ref, check, async (trx, row) => {
    const before = connectionOf(row);
    const draft = applyInput(before.type, draftOf(row), input);
    const secret = newSecretOf(before.type, input);
    assertComplete(before.type, draft, secret !== undefined || before.hasSecret);
    if (before.type !== 'saml') await assertPublicUrls(scope, draft);
    const updated = await updateConnectionRow(trx, row.id, {
      ...rowValues(draft),
      ...(secret === undefined ? {} : { client_secret_encrypted: scope.secrets.seal(secret, secretContext(scope, row.id)) }),
      updated_at: new Date(),
    });
    const after = connectionOf(updated);
    const diff = changedProperties(connectionAuditSummary(before), connectionAuditSummary(after));
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'connection.updated',
      target: row.id,
      details: { ...diff, ...(secret === undefined ? {} : { secret_replaced: true }) },
    });
    return after;
  });
}

/** Removes the connection with every identity linked through it; the users stay. */
export function deleteConnection(scope: TenantScope, ref: ConnectionRef, actor: Actor, check?: (current: Connection) => void): Promise<{ connection: Connection; unlinkedIdentities: number }> {
  return changeConnection(scope, ref, check, async (trx, row) => {
    const connection = connectionOf(row);
    const unlinkedIdentities = await deleteConnectionRow(trx, row.id);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'connection.deleted',
      target: row.id,
      details: { before: connectionAuditSummary(connection), unlinked_identities: unlinkedIdentities },
    });
    return { connection, unlinkedIdentities };
  });
}
