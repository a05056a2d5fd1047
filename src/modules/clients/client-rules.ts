import { AppError, notFound } from '../../errors.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { findApi } from '../apis/apis.repository.ts';
import { parseResourceIdentifier } from '../apis/apis.service.ts';
import { DEVICE_CODE_GRANT, PASSWORD_GRANT, TOKEN_EXCHANGE_GRANT } from './client-profile.ts';

/**
 * What a client's properties may be: one set of rules for a registration and for every later
 * change to it, so an update can never make a client that registration would have refused.
 * oidc-provider's own client schema (client-validation.ts) checks the result on top.
 */

export type ClientType = 'public' | 'confidential';
export type SecretAuthMethod = 'client_secret_basic' | 'client_secret_post';
export type ClientAuthMethod = SecretAuthMethod | 'private_key_jwt' | 'none';

/**
 * Grants a client may be registered for; `password` is the opt-in legacy grant
 * (src/oidc/password-grant.ts). The device grant (RFC 8628) suits public clients (a TV app holds
 * no secret) and confidential ones alike; token exchange (RFC 8693) is a service's, so confidential.
 */
export const SUPPORTED_GRANT_TYPES: ReadonlySet<string> = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  PASSWORD_GRANT,
  DEVICE_CODE_GRANT,
  TOKEN_EXCHANGE_GRANT,
]);

/** Members that only a private or symmetric JWK has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Enough for any real app; a longer list is a mistake or an attempt to bloat every provider. */
const MAX_URIS = 100;

export function usesClientSecret(authMethod: string): authMethod is SecretAuthMethod {
  return authMethod === 'client_secret_basic' || authMethod === 'client_secret_post';
}

export function checkClientName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : '';
  if (name.length === 0 || name.length > 200) throw new AppError('invalid_name', 'a client name of 1 to 200 characters is required');
  return name;
}

export function parseUris(uris: string[], what: string): string[] {
  if (uris.length > MAX_URIS) throw new AppError('invalid_redirect_uri', `at most ${MAX_URIS} ${what}s`);
  return [...new Set(uris)].map((uri) => {
    const url = URL.parse(uri);
    if (!url || url.hash || uri.includes('#') || uri.length > 2000) {
      throw new AppError('invalid_redirect_uri', `${what} "${uri.slice(0, 200)}" must be an absolute URI without a fragment`);
    }
    return uri;
  });
}

/**
 * Browser origins as a browser sends them in `Origin`: `https://app.example.com` or
 * `http://localhost:5173`, no path, query or credentials; stored in that serialisation (lowercase
 * host, no default port), so the provider compares strings.
 */
export function parseCorsOrigins(origins: string[]): string[] {
  if (origins.length > MAX_URIS) throw new AppError('invalid_cors_origin', `at most ${MAX_URIS} CORS origins`);
  const parsed = origins.map((origin) => {
    const url = URL.parse(origin);
    const bare = url && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash && !/[?#]|\/$/.test(origin.replace(/^[a-z]+:\/\//i, ''));
    if (!url || !bare || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new AppError('invalid_cors_origin', `CORS origin "${origin.slice(0, 200)}" must be an http(s) origin without a path, e.g. https://app.example.com`);
    }
    return url.origin;
  });
  return [...new Set(parsed)];
}

export function parseJwks(jwks: { keys: Record<string, unknown>[] } | undefined): { keys: Record<string, unknown>[] } {
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    throw new AppError('invalid_client_metadata', 'private_key_jwt needs a JWKS with at least one public key');
  }
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null || !['RSA', 'EC', 'OKP'].includes(String(key.kty))) {
      throw new AppError('invalid_client_metadata', 'client keys must be RSA, EC or OKP public JWKs');
    }
    if (PRIVATE_JWK_MEMBERS.some((member) => member in key)) {
      throw new AppError('invalid_client_metadata', 'the client JWKS must hold public keys only');
    }
  }
  return { keys: jwks.keys };
}

export function authMethodOf(input: { type: ClientType; authMethod?: ClientAuthMethod; jwks?: unknown }): ClientAuthMethod {
  if (input.type === 'public') {
    if (input.authMethod && input.authMethod !== 'none') throw new AppError('invalid_client_metadata', 'a public client has no credentials: its auth method is "none"');
    return 'none';
  }
  const method = input.authMethod ?? (input.jwks ? 'private_key_jwt' : 'client_secret_basic');
  if (!['client_secret_basic', 'client_secret_post', 'private_key_jwt'].includes(method)) {
    // client_secret_jwt needs the plain secret, which is never stored.
    throw new AppError('invalid_client_metadata', `auth method "${method}" is not supported for confidential clients; use client_secret_basic, client_secret_post or private_key_jwt`);
  }
  return method;
}

/** The grants asked for, or the default for the type and redirect URIs; checked against both. */
export function grantTypesOf(input: { type: ClientType; grantTypes?: string[] }, redirectUris: string[]): string[] {
  const grants = input.grantTypes?.length
    ? [...new Set(input.grantTypes)]
    : input.type === 'public' || redirectUris.length > 0
      ? ['authorization_code', 'refresh_token']
      : ['client_credentials'];
  for (const grant of grants) {
    if (!SUPPORTED_GRANT_TYPES.has(grant)) throw new AppError('invalid_client_metadata', `grant type "${String(grant).slice(0, 100)}" is not supported`);
  }
  for (const confidentialOnly of ['client_credentials', PASSWORD_GRANT, TOKEN_EXCHANGE_GRANT]) {
    if (input.type === 'public' && grants.includes(confidentialOnly)) {
      throw new AppError('invalid_client_metadata', `${confidentialOnly} needs a confidential client`);
    }
  }
  if (grants.includes('authorization_code') && redirectUris.length === 0) {
    throw new AppError('invalid_redirect_uri', 'the authorization code flow needs at least one redirect URI');
  }
  return grants;
}

/** The APIs named, each of which must exist: their identifiers and ids. */
export async function resolveApis(db: TenantDb, resources: string[]): Promise<{ identifiers: string[]; apiIds: string[] }> {
  const identifiers = [...new Set(resources.map(parseResourceIdentifier))];
  const apiIds: string[] = [];
  for (const identifier of identifiers) {
    const api = await findApi(db, identifier);
    if (!api) throw notFound('api', identifier);
    apiIds.push(api.id);
  }
  return { identifiers, apiIds };
}
