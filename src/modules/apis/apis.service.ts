import { AppError, notFound, pgCode } from '../../errors.ts';
import type { Page, PageRequest } from '../../db/page.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { OIDC_SCOPES } from '../clients/client-profile.ts';
import { clearDefaultApi, deleteApi, insertApi, listApis, type ApiRow } from './apis.repository.ts';
import { adminApiIdentifier } from './admin-api.ts';

export interface CreateApiInput {
  identifier: string;
  name?: string;
  scopes?: string[];
  isDefault?: boolean;
  accessTokenTtl?: number;
}

/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;

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

/** Tells every node to drop the tenant's cached provider, which caches clients and APIs. */
export function announceCatalogChange(scope: TenantScope): Promise<void> {
  return scope.announce('clients');
}

/**
 * An API (resource server) of the tenant: access tokens requested for it are RFC 9068 JWTs with
 * `aud` = its identifier. At most one API is the default, used when a client names none.
 */
export async function createApi(scope: TenantScope, input: CreateApiInput): Promise<ApiRow> {
  const identifier = parseResourceIdentifier(input.identifier);
  if (identifier === adminApiIdentifier(scope.issuer)) {
    throw new AppError('api_reserved', `"${identifier}" is the tenant's built-in admin API`, 409);
  }
  const scopes = parseScopes(input.scopes ?? []);
  const ttl = input.accessTokenTtl ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) throw new AppError('invalid_ttl', 'the access token lifetime must be 60 to 86400 seconds');
  const name = (input.name ?? identifier).trim().slice(0, 200) || identifier;
  try {
    const api = await scope.db.transaction().execute(async (trx) => {
      if (input.isDefault) await clearDefaultApi(trx);
      return insertApi(trx, { identifier, name, scopes, is_default: input.isDefault ?? false, access_token_ttl: ttl });
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

export async function deleteTenantApi(scope: TenantScope, identifier: string): Promise<void> {
  if (!(await deleteApi(scope.db, identifier))) throw notFound('api', identifier);
  await announceCatalogChange(scope);
}
