import * as oidc from 'openid-client';
import { DEFAULT_CLAIM_MAPPING, GITHUB_EMAILS_URL, MICROSOFT_MULTI_TENANT, type ClaimMapping } from './connection-types.ts';
import type { Connection } from './connection.ts';
import { UpstreamRefused } from './upstream-refusal.ts';

/** Who the provider says signed in: what an account is found, linked or created from. */
export interface UpstreamProfile {
  /** The provider's stable id of the person; with the connection, the identity's key. */
  subject: string;
  email: string | null;
  /** The provider vouches that the person controls `email`. */
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
}

type Tokens = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
type Claims = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 320) : null);
/** Apple sends booleans as strings. */
const yes = (value: unknown): boolean => value === true || value === 'true';

/** A claim by name; dots reach into objects (`profile.email`). */
function claimAt(claims: Claims, path: string): unknown {
  return path.split('.').reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? (value as Claims)[part] : undefined), claims);
}

export function mapClaims(claims: Claims, mapping: ClaimMapping, trustEmail: boolean): UpstreamProfile {
  const subject = claimAt(claims, mapping.subject);
  const subjectText = typeof subject === 'number' && Number.isSafeInteger(subject) ? String(subject) : text(subject);
  if (!subjectText) throw new UpstreamRefused('no_subject', 502, `{provider} sent user information without "${mapping.subject}", which tells who signed in.`);
  const email = text(claimAt(claims, mapping.email));
  return {
    subject: subjectText,
    email,
    emailVerified: email !== null && (trustEmail || yes(claimAt(claims, mapping.email_verified))),
    name: text(claimAt(claims, mapping.name)),
    givenName: text(claimAt(claims, mapping.given_name)),
    familyName: text(claimAt(claims, mapping.family_name)),
  };
}

/**
 * Microsoft's many-tenant issuers: openid-client already checks `iss` against the template filled
 * with the token's `tid` (upstream-client.ts); checked again here, where a test can reach it,
 * because this is the one check that keeps a token of one directory from passing as another's.
 */
export function checkMicrosoftIssuer(claims: Claims, configuredTenant: string | null): void {
  if (!configuredTenant || !(MICROSOFT_MULTI_TENANT as readonly string[]).includes(configuredTenant)) return;
  const tid = claims.tid;
  if (typeof tid !== 'string' || claims.iss !== `https://login.microsoftonline.com/${tid}/v2.0`) {
    throw new UpstreamRefused('issuer_mismatch', 400, "{provider}'s ID token names an issuer other than the directory it comes from (tid), so it was refused.");
  }
}

/**
 * Microsoft's `email` claim is whatever the directory holds, not a confirmed address; the optional
 * `xms_edov` claim says the domain's owner verified it. Without it, the address does not count as
 * confirmed, so it never links to or creates an account on its own.
 */
export function microsoftProfile(claims: Claims): UpstreamProfile {
  return mapClaims(claims, { ...DEFAULT_CLAIM_MAPPING, email_verified: 'xms_edov' }, false);
}

/**
 * Sign in with Apple sends the name only once, at the first sign-in, as a JSON form field
 * (`user`) beside the code, never in the ID token.
 */
export function appleName(userField: string | null): Pick<UpstreamProfile, 'name' | 'givenName' | 'familyName'> {
  try {
    const user = JSON.parse(userField ?? 'null') as { name?: { firstName?: unknown; lastName?: unknown } } | null;
    const givenName = text(user?.name?.firstName);
    const familyName = text(user?.name?.lastName);
    return { givenName, familyName, name: [givenName, familyName].filter(Boolean).join(' ') || null };
  } catch {
    return { name: null, givenName: null, familyName: null };
  }
}

async function fetchJson(configuration: oidc.Configuration, accessToken: string, url: string, what: string): Promise<unknown> {
  const response = await oidc.fetchProtectedResource(
    configuration,
    accessToken,
    new URL(url),
    'GET',
    undefined,
    // GitHub's API refuses requests without a User-Agent.
    new Headers({ accept: 'application/json', 'user-agent': 'Tansu-Identity' }),
  );
  if (!response.ok) throw new UpstreamRefused('upstream_error', 502, `{provider}'s ${what} answered HTTP ${response.status}.`);
  try {
    return await response.json();
  } catch {
    throw new UpstreamRefused('upstream_error', 502, `{provider}'s ${what} did not answer with JSON.`);
  }
}

/**
 * A GitHub user (`/user`) and their addresses (`/user/emails`): the profile's address is the
 * primary one, and only if GitHub verified it; the public `email` of `/user` is whatever the user
 * typed on their profile and counts for nothing.
 */
export function githubProfile(user: Claims, emails: unknown): UpstreamProfile {
  const primary = Array.isArray(emails) ? (emails as Claims[]).find((entry) => entry?.primary === true && entry.verified === true) : undefined;
  const profile = mapClaims({ ...user, display_name: user.name ?? user.login }, { ...DEFAULT_CLAIM_MAPPING, subject: 'id', name: 'display_name' }, false);
  const email = text(primary?.email);
  return { ...profile, email, emailVerified: email !== null };
}

async function fetchGithubProfile(configuration: oidc.Configuration, tokens: Tokens, connection: Connection): Promise<UpstreamProfile> {
  const user = (await fetchJson(configuration, tokens.access_token, connection.endpoints!.userinfo, 'user endpoint')) as Claims;
  return githubProfile(user, await fetchJson(configuration, tokens.access_token, GITHUB_EMAILS_URL, 'email list'));
}

/**
 * The profile from the provider's answer: the validated ID token's claims for OpenID Connect
 * (completed from the UserInfo endpoint when they lack an address), the user endpoint read with
 * the claim mapping for OAuth 2.0, and each preset's own rules.
 */
export async function upstreamProfile(configuration: oidc.Configuration, tokens: Tokens, connection: Connection, formFields: URLSearchParams): Promise<UpstreamProfile> {
  switch (connection.type) {
    case 'github':
      return fetchGithubProfile(configuration, tokens, connection);
    case 'oauth2': {
      const claims = (await fetchJson(configuration, tokens.access_token, connection.endpoints!.userinfo, 'user endpoint')) as Claims;
      if (claims === null || typeof claims !== 'object') throw new UpstreamRefused('upstream_error', 502, "{provider}'s user endpoint did not answer with an object.");
      return mapClaims(claims, connection.claimMapping, connection.trustEmail);
    }
    default:
      break;
  }
  const idToken = tokens.claims();
  if (!idToken) throw new UpstreamRefused('upstream_error', 502, '{provider} answered without an ID token.');
  if (connection.type === 'microsoft') {
    checkMicrosoftIssuer(idToken, connection.microsoftTenant);
    return microsoftProfile(idToken);
  }
  if (connection.type === 'apple') return { ...mapClaims(idToken, DEFAULT_CLAIM_MAPPING, false), ...appleName(formFields.get('user')) };
  let claims: Claims = idToken;
  if (typeof idToken.email !== 'string' && configuration.serverMetadata().userinfo_endpoint) {
    claims = { ...(await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub)), ...idToken };
  }
  return mapClaims(claims, DEFAULT_CLAIM_MAPPING, connection.type === 'oidc' && connection.trustEmail);
}
