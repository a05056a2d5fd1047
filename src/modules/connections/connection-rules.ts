import crypto from 'node:crypto';
import { AppError } from '../../errors.ts';
import { checkRoleNames } from '../users/users.service.ts';
import {
  DEFAULT_CLAIM_MAPPING,
  MAPPED_CLAIMS,
  MICROSOFT_MULTI_TENANT,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TYPE_RULES,
  type ClaimMapping,
  type ConnectionType,
  type MappedClaim,
  type ResponseMode,
  type TokenEndpointAuthMethod,
} from './connection-types.ts';

/** The checks of what an admin may set on a connection, one function per property. */

const invalid = (message: string) => new AppError('invalid_connection', message);

/** Lowercase, as in a URL path and a claim: `google`, `acme-okta`. */
const NAME = /^[a-z][a-z0-9-]{0,39}$/;

export function checkConnectionName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.endsWith('-')) {
    throw invalid('the name must be 1 to 40 lowercase letters, digits and "-", starting with a letter (e.g. "google" or "acme-okta")');
  }
  return name;
}

export function checkDisplayName(name: unknown, fallback: string): string {
  if (name === undefined || name === null) return fallback;
  if (typeof name !== 'string' || /[\p{Cc}\p{Cf}]/u.test(name) || name.trim().length === 0 || name.trim().length > 100) {
    throw invalid('the display name must be 1 to 100 characters of plain text');
  }
  return name.trim();
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * An upstream URL: https, or http to this machine's loopback (a provider run beside the server in
 * development and tests). Nothing else travels in clear: codes, secrets and tokens pass there.
 */
export function checkUpstreamUrl(value: unknown, what: string): string {
  const url = typeof value === 'string' && value.length <= 500 ? URL.parse(value) : null;
  if (!url || url.hash || url.username || url.password || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)))) {
    throw invalid(`${what} must be an https URL without a fragment (http only to localhost or 127.0.0.1), got "${String(value).slice(0, 100)}"`);
  }
  return value as string;
}

/** Whether requests to the URL may go out as plain http (checkUpstreamUrl allowed it only for loopback). */
export function isInsecureLoopback(url: string): boolean {
  return new URL(url).protocol === 'http:';
}

export function checkClientId(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 500 || /\s/.test(value)) {
    throw invalid('client_id must be the client id the provider gave, without spaces');
  }
  return value;
}

export function checkClientSecret(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) throw invalid('client_secret must be 1 to 2000 characters');
  return value;
}

/** RFC 6749 §3.3 scope tokens. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;

export function checkScopes(scopes: unknown, type: ConnectionType): string[] {
  if (!Array.isArray(scopes) || scopes.length > 50) throw invalid('scopes must be a list of at most 50 scope names');
  const unique = [...new Set(scopes.map((scope) => String(scope).trim()).filter(Boolean))];
  const bad = unique.find((scope) => !SCOPE_TOKEN.test(scope));
  if (bad !== undefined) throw invalid(`"${bad.slice(0, 100)}" is not a valid scope name`);
  if (TYPE_RULES[type].protocol === 'oidc' && !unique.includes('openid')) throw invalid('an OpenID Connect connection needs the openid scope');
  return unique;
}

export function checkClaimMapping(value: unknown): ClaimMapping {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('claim_mapping must be an object of claim names');
  const mapping: Record<string, string> = { ...DEFAULT_CLAIM_MAPPING };
  for (const [key, claim] of Object.entries(value)) {
    if (!(MAPPED_CLAIMS as readonly string[]).includes(key)) throw invalid(`claim_mapping knows ${MAPPED_CLAIMS.join(', ')}, not "${key.slice(0, 50)}"`);
    if (typeof claim !== 'string' || !/^[A-Za-z0-9_:.-]{1,100}$/.test(claim)) throw invalid(`claim_mapping.${key} must be a claim name (dots reach into objects)`);
    mapping[key as MappedClaim] = claim;
  }
  return Object.freeze(mapping) as ClaimMapping;
}

export function checkAuthMethod(value: unknown): TokenEndpointAuthMethod {
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly unknown[]).includes(value)) {
    throw invalid(`token_endpoint_auth_method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`);
  }
  return value as TokenEndpointAuthMethod;
}

export function checkResponseMode(value: unknown): ResponseMode {
  if (value !== 'query' && value !== 'form_post') throw invalid('response_mode must be query or form_post');
  return value;
}

/** A directory id (GUID), a verified domain, or one of the many-tenant names. */
export function checkMicrosoftTenant(value: unknown): string {
  if (typeof value !== 'string' || !(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) || /^[a-z0-9.-]{1,100}$/i.test(value))) {
    throw invalid(`tenant must be ${MICROSOFT_MULTI_TENANT.join(', ')}, a directory id or a domain`);
  }
  return value.toLowerCase();
}

/** Apple's team and key ids are 10 letters and digits. */
export function checkAppleId(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[A-Z0-9]{10}$/.test(value)) throw invalid(`${what} must be the 10-character id Apple shows (letters and digits)`);
  return value;
}

/** The key Apple lets the admin download once (a `.p8` file): a P-256 private key in PKCS #8 PEM. */
export function checkApplePrivateKey(value: unknown): string {
  try {
    if (typeof value !== 'string') throw new Error('not text');
    const key = crypto.createPrivateKey(value);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256');
    return value.trim();
  } catch {
    throw invalid('private_key must be the .p8 key file from Apple: an EC P-256 private key in PEM');
  }
}

/** Email domains for home-realm discovery: lowercase host names, each at most once. */
export function checkDomains(domains: unknown): string[] {
  if (!Array.isArray(domains) || domains.length > 100) throw invalid('domains must be a list of at most 100 email domains');
  const unique = [...new Set(domains.map((domain) => String(domain).trim().toLowerCase().replace(/^@/, '')).filter(Boolean))];
  const bad = unique.find((domain) => !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain));
  if (bad !== undefined) throw invalid(`"${bad.slice(0, 100)}" is not an email domain (e.g. example.com)`);
  return unique;
}

export function checkDefaultRoles(roles: unknown): string[] {
  if (!Array.isArray(roles) || roles.length > 50) throw invalid('default_roles must be a list of at most 50 role names');
  return checkRoleNames(roles.map(String));
}
