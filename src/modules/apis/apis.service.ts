import { AppError, notFound, pgCode } from '../../errors.ts';
import type { Page, PageRequest } from '../../db/page.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { changedProperties } from '../audit/audit-diff.ts';
import { OIDC_SCOPES } from '../clients/client-profile.ts';
import { clearDefaultApi, deleteApiById, findApi, findApiById, insertApi, listApis, lockApi, updateApiRow, type ApiRow } from './apis.repository.ts';
import { apiAuditSummary } from './api-view.ts';
import { adminApiIdentifier } from './admin-api.ts';

export interface CreateApiInput {
  identifier: string;
  name?: string;
  scopes?: string[];
  isDefault?: boolean;
  accessTokenTtl?: number;
}

/** What an API update may change; absent properties stay as they are. */
export interface UpdateApiInput {
  name?: string;
  scopes?: string[];
  isDefault?: boolean;
  accessTokenTtl?: number;
}

/** An API named by its id (the admin API's paths) or by its identifier (the CLI's words). */
export type ApiRef = { id: string } | { identifier: string };

/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 8707: an absolute URI without a fragment. */
export function parseResourceIdentifier(input: string): string {
  const url = URL.parse(input);
  if (!url || input.includes('#') || input.length > 500) {
    throw new AppError('invalid_resource', `"${input.slice(0, 100)}" is not a resource indicator: use an absolute URI without a fragment, e.g. https://api.example.com`);
  }
  return input;
}

function parseScopes(scopes: string[]): string[] {
  const unique = [...new Set(scopes.map((s) => s.trim()).filter(Boolean))];
  for (const scope of unique) {
    if (!SCOPE_TOKEN.test(scope)) throw new AppError('invalid_scope', `"${scope.slice(0, 100)}" is not a valid scope name`);
    if ((OIDC_SCOPES as readonly string[]).includes(scope)) {
      throw new AppError('invalid_scope', `"${scope}" is an OpenID Connect scope and cannot belong to an API`);
    }
  }
  return unique;
}

function parseTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) throw new AppError('invalid_ttl', 'the access token lifetime must be 60 to 86400 seconds');
  return ttl;
}

function parseName(name: string | undefined, identifier: string): string {
  return (name ?? identifier).trim().slice(0, 200) || identifier;
}

const refText = (ref: ApiRef) => ('id' in ref ? ref.id : ref.identifier);

/** Tells every node to drop the tenant's cached provider, which caches clients and APIs. */
export function announceCatalogChange(scope: TenantScope): Promise<void> {
  return scope.announce('clients');
}

/**
 * An API (resource server) of the tenant: access tokens requested for it are RFC 9068 JWTs with
 * `aud` = its identifier. At most one API is the default, used when a client names none.
 */
export async function createApi(scope: TenantScope, input: CreateApiInput, actor: Actor): Promise<ApiRow> {
  const identifier = parseResourceIdentifier(input.identifier);
  if (identifier === adminApiIdentifier(scope.issuer)) {
    throw new AppError('api_reserved', `"${identifier}" is the tenant's built-in admin API`, 409);
  }
  const scopes = parseScopes(input.scopes ?? []);
  const ttl = parseTtl(input.accessTokenTtl ?? 3600);
  const name = parseName(input.name, identifier);
  try {
    const api = await scope.db.transaction().execute(async (trx) => {
      if (input.isDefault) await clearDefaultApi(trx);
      const created = await insertApi(trx, { identifier, name, scopes, is_default: input.isDefault ?? false, access_token_ttl: ttl });
      await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'api.created', target: created.id, details: { after: apiAuditSummary(created) } });
      return created;
    });
    await announceCatalogChange(scope);
    return api;
  } catch (error) {
    if (pgCode(error) === '23505') throw new AppError('api_exists', `an API with identifier "${identifier}" already exists`, 409);
    throw error;
  }
}

/** A page of the tenant's APIs, by identifier. */
export function listTenantApis(scope: TenantScope, page: PageRequest): Promise<Page<ApiRow>> {
  return listApis(scope.db, page);
}

/** The API named by `ref`, if there is one; an id that is no UUID names none. */
export async function lookupApi(db: TenantDb, ref: ApiRef): Promise<ApiRow | undefined> {
  if ('identifier' in ref) return findApi(db, ref.identifier);
  return UUID.test(ref.id) ? findApiById(db, ref.id) : undefined;
}

/** The API, or `api_not_found`. */
export async function findTenantApi(scope: TenantScope, ref: ApiRef): Promise<ApiRow> {
  const api = await lookupApi(scope.db, ref);
  if (!api) throw notFound('api', refText(ref));
  return api;
}

/**
 * Runs `change` on the API locked in a transaction, after `check` (the caller's precondition,
 * e.g. If-Match) saw it as it is now.
 */
async function changeApi<T>(scope: TenantScope, ref: ApiRef, check: ((current: ApiRow) => void) | undefined, change: (trx: TenantDb, current: ApiRow) => Promise<T>): Promise<T> {
  if ('id' in ref && !UUID.test(ref.id)) throw notFound('api', ref.id);
  const result = await scope.db.transaction().execute(async (trx) => {
    const current = await lockApi(trx, ref);
    if (!current) throw notFound('api', refText(ref));
    check?.(current);
    return change(trx, current);
  });
  await announceCatalogChange(scope);
  return result;
}

/**
 * Changes an API's name, scopes, token lifetime or default flag. Making it the default takes the
 * flag from the API that had it; tokens issued before keep the scopes and lifetime they were given.
 */
export function updateApi(scope: TenantScope, ref: ApiRef, input: UpdateApiInput, actor: Actor, check?: (current: ApiRow) => void): Promise<ApiRow> {
  const scopes = input.scopes === undefined ? undefined : parseScopes(input.scopes);
  const ttl = input.accessTokenTtl === undefined ? undefined : parseTtl(input.accessTokenTtl);
  return changeApi(scope, ref, check, async (trx, current) => {
    const changes = {
      ...(input.name === undefined ? {} : { name: parseName(input.name, current.identifier) }),
      ...(scopes === undefined ? {} : { scopes }),
      ...(ttl === undefined ? {} : { access_token_ttl: ttl }),
      ...(input.isDefault === undefined ? {} : { is_default: input.isDefault }),
    };
    if (Object.keys(changes).length === 0) return current;
    if (input.isDefault === true && !current.is_default) await clearDefaultApi(trx);
    const updated = await updateApiRow(trx, current.id, changes);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'api.updated',
      target: current.id,
      details: changedProperties(apiAuditSummary(current), apiAuditSummary(updated)),
    });
    return updated;
  });
}

/** New tokens for the API are refused at once; its grants to machine clients go with it. */
export async function deleteTenantApi(scope: TenantScope, ref: ApiRef, actor: Actor, check?: (current: ApiRow) => void): Promise<ApiRow> {
  return changeApi(scope, ref, check, async (trx, current) => {
    await deleteApiById(trx, current.id);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'api.deleted', target: current.id, details: { before: apiAuditSummary(current) } });
    return current;
  });
}
