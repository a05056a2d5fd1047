import crypto from 'node:crypto';
import * as oidc from 'openid-client';
import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { canonicalEmail } from '../users/email.ts';
import { canonicalText } from '../users/user-text.ts';
import { findUserByEmail, findUserById, grantRoles, insertUserIfNew, type UserRow } from '../users/users.repository.ts';
import { summarizeUser } from '../users/user-summary.ts';
import { auditedUser } from '../users/user-audit.ts';
import { TYPE_RULES } from './connection-types.ts';
import { connectionCallbackUrl, connectionOf, type Connection } from './connection.ts';
import { findConnectionById, findConnectionByName, type ConnectionRow } from './connections.repository.ts';
import { insertIdentity, touchIdentity } from './identities.repository.ts';
import { consumeCallback, insertUpstreamSignIn, recordOutcome } from './upstream-sign-ins.repository.ts';
import { upstreamConfiguration } from './upstream-client.ts';
import { upstreamProfile, type UpstreamProfile } from './upstream-profile.ts';
import { UpstreamRefused } from './upstream-refusal.ts';

/** A trip to the provider may take this long: its own sign-in, a second factor, a consent page. */
export const UPSTREAM_SIGN_IN_SECONDS = 10 * 60;

/**
 * What the callback leaves for the interaction to finish with (upstream_sign_ins.outcome):
 * signed in as a user, or a local account to prove with its password before the link is made.
 */
export type UpstreamOutcome =
  | { kind: 'signed_in'; connection: string; user_id: string; email: string }
  | {
      kind: 'link_required';
      connection: string;
      provider_id: string;
      user_id: string;
      email: string;
      subject: string;
      upstream_email: string | null;
      /** The provider confirmed the account's own address: proving the password confirms it here too. */
      confirms_email: boolean;
    };

export const digest = (state: string) => crypto.createHash('sha256').update(state).digest('base64url');

/** The audit log's name for what a connection does on a person's behalf: `connection:<name>`. */
export function connectionActor(connection: string, ip: string | null): Actor {
  return { type: 'anonymous', id: `connection:${connection}`, ip };
}

function refuseUnusable(row: ConnectionRow | undefined, name: string): ConnectionRow {
  if (!row || row.kind === 'saml') throw new UpstreamRefused('connection_not_found', 404, `This organisation has no sign-in with "${name.slice(0, 40)}".`);
  if (!row.enabled) throw new UpstreamRefused('connection_disabled', 403, 'Signing in with {provider} is turned off for this organisation.');
  return row;
}

/** Discovery, metadata or network failures become one page: the provider cannot be used right now. */
async function configurationOf(scope: TenantScope, row: ConnectionRow): Promise<oidc.Configuration> {
  try {
    return await upstreamConfiguration(scope, row);
  } catch (error) {
    throw new UpstreamRefused('upstream_unreachable', 502, `{provider} cannot be reached or did not describe itself correctly (${shortReason(error)}). Try again later.`);
  }
}

function shortReason(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } }).cause?.message;
  const message = error instanceof Error ? error.message : String(error);
  return (typeof cause === 'string' && cause !== message ? `${message}: ${cause}` : message).slice(0, 200);
}

export interface BeginUpstreamSignIn {
  connection: string;
  /** The interaction the trip belongs to: only a browser holding its cookie can finish it. */
  interactionUid: string;
  /** The address the person gave, passed on where the provider takes one (OpenID Connect's `login_hint`). */
  loginHint?: string;
}

/**
 * Starts a trip: a random `state` (stored only as a digest), a nonce for the ID token and a PKCE
 * verifier, all in one row that lives ten minutes; the answer is where the browser goes next.
 */
export async function beginUpstreamSignIn(scope: TenantScope, input: BeginUpstreamSignIn): Promise<{ url: string; connection: Connection }> {
  const found = await findConnectionByName(scope.db, input.connection);
  let configuration: oidc.Configuration;
  try {
    configuration = await configurationOf(scope, refuseUnusable(found, input.connection));
  } catch (error) {
    if (error instanceof UpstreamRefused) error.providerName ??= found?.display_name;
    throw error;
  }
  const row = found!;
  const connection = connectionOf(row);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = connection.pkce ? oidc.randomPKCECodeVerifier() : null;
  const openId = TYPE_RULES[connection.type].protocol === 'oidc';
  const parameters: Record<string, string> = {
    redirect_uri: connectionCallbackUrl(scope),
    scope: connection.scopes.join(' '),
    state,
    ...(openId ? { nonce } : {}),
    ...(verifier ? { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } : {}),
    ...(connection.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
    ...(openId && input.loginHint ? { login_hint: input.loginHint } : {}),
  };
  const url = oidc.buildAuthorizationUrl(configuration, parameters);
  await insertUpstreamSignIn(scope.db, {
    stateHash: digest(state),
    providerId: row.id,
    interactionUid: input.interactionUid,
    codeVerifier: verifier,
    nonce,
    lifetimeSeconds: UPSTREAM_SIGN_IN_SECONDS,
  });
  return { url: url.href, connection };
}

/** Where the callback leaves the browser: back in its interaction, to finish (or to prove a password). */
export interface CallbackResult {
  tripId: string;
  interactionUid: string;
  connection: Connection;
  outcome: UpstreamOutcome;
}

/** The refusal a failed code exchange or ID token check gets, by openid-client's error codes. */
function exchangeRefusal(error: unknown): UpstreamRefused {
  if (error instanceof oidc.AuthorizationResponseError) {
    const code = error.error;
    const description = error.error_description ? `: ${error.error_description.slice(0, 200)}` : '';
    return code === 'access_denied'
      ? new UpstreamRefused('access_denied', 400, `The sign-in at {provider} was cancelled or refused (${code}${description}).`)
      : new UpstreamRefused('upstream_error', 400, `{provider} did not sign you in (${code.slice(0, 60)}${description}).`);
  }
  if (error instanceof oidc.ResponseBodyError) {
    return new UpstreamRefused('token_refused', 502, `{provider} refused to exchange the sign-in code (${error.error.slice(0, 60)}). Start again.`);
  }
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { message?: unknown; cause?: { claim?: unknown } } }).cause;
  const claim = cause?.cause?.claim;
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'nonce') {
    return new UpstreamRefused('nonce_mismatch', 400, "{provider}'s ID token does not belong to this sign-in (its nonce differs), so it was refused.");
  }
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'iss') {
    return new UpstreamRefused('issuer_mismatch', 400, "{provider}'s ID token names another issuer, so it was refused.");
  }
  if (code === 'OAUTH_KEY_SELECTION_FAILED' || (code === 'OAUTH_INVALID_RESPONSE' && /signature/i.test(String(cause?.message)))) {
    return new UpstreamRefused('bad_signature', 502, "{provider}'s ID token failed signature verification, so it was refused.");
  }
  return new UpstreamRefused('upstream_error', 502, `{provider}'s answer could not be verified (${shortReason(error)}).`);
}

/**
 * RFC 9207: an answer names the issuer that sent it, and an answer sent to this callback by
 * another provider the browser also visited (a mix-up attack) names another. openid-client makes
 * the same comparison; this one comes first so the page can say what went wrong.
 */
function checkResponseIssuer(parameters: URLSearchParams, configuration: oidc.Configuration, connection: Connection): void {
  const iss = parameters.get('iss');
  if (iss === null) return;
  const expected = configuration.serverMetadata().issuer;
  if (iss === expected) return;
  const hint = connection.issuer === null ? ' If that is the provider, set it as the connection’s issuer.' : '';
  throw new UpstreamRefused('issuer_mismatch', 400, `This answer says it comes from ${iss.slice(0, 200)}, not from {provider}, so it was refused.${hint}`);
}

/**
 * The provider's answer at `/t/<id>/connections/callback` (query, or form post): takes the trip
 * its `state` names (once: a replayed answer finds nothing), checks the answer, exchanges the
 * code, validates the ID token (signature, issuer, audience, nonce), reads the profile and finds,
 * links or creates the account. What the interaction finishes with is stored on the trip.
 */
export async function answerUpstreamCallback(scope: TenantScope, parameters: URLSearchParams, ip: string): Promise<CallbackResult> {
  const state = parameters.get('state');
  const trip = state ? await consumeCallback(scope.db, digest(state)) : undefined;
  if (!trip) {
    throw new UpstreamRefused(
      'unknown_state',
      400,
      'This answer from a sign-in provider is not one this page is waiting for: it was already used, has expired, or belongs to another sign-in. Start the sign-in again.',
    );
  }
  const row = await findConnectionById(scope.db, trip.provider_id);
  try {
    const connection = connectionOf(refuseUnusable(row, trip.provider_id));
    const configuration = await configurationOf(scope, row!);
    checkResponseIssuer(parameters, configuration, connection);
    const callback = new URL(connectionCallbackUrl(scope));
    for (const [name, value] of parameters) callback.searchParams.append(name, value);
    const openId = TYPE_RULES[connection.type].protocol === 'oidc';
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        expectedState: state!,
        pkceCodeVerifier: trip.code_verifier ?? undefined,
        ...(openId ? { expectedNonce: trip.nonce, idTokenExpected: true } : {}),
      });
    } catch (error) {
      throw exchangeRefusal(error);
    }
    const profile = await readProfile(configuration, tokens, connection, parameters);
    const outcome = await resolveAccount(scope, connection, profile, connectionActor(connection.name, ip));
    await recordOutcome(scope.db, trip.id, outcome);
    return { tripId: trip.id, interactionUid: trip.interaction_uid, connection, outcome };
  } catch (error) {
    if (error instanceof UpstreamRefused) {
      error.interactionUid ??= trip.interaction_uid;
      error.providerName ??= row?.display_name;
    }
    throw error;
  }
}

/** The profile, or a page saying the provider's answer could not be read (its UserInfo failed, say). */
async function readProfile(...input: Parameters<typeof upstreamProfile>): Promise<UpstreamProfile> {
  try {
    return await upstreamProfile(...input);
  } catch (error) {
    if (error instanceof UpstreamRefused) throw error;
    throw new UpstreamRefused('upstream_error', 502, `{provider}'s user information could not be read (${shortReason(error)}).`);
  }
}

function cleanName(value: string | null): string | null {
  const name = value === null ? undefined : canonicalText(value)?.trim();
  return name ? name.slice(0, 200) : null;
}

function refuseDisabled(user: UserRow): void {
  if (user.status !== 'active') throw new UpstreamRefused('account_disabled', 403, 'Your account here is disabled. Ask an administrator.');
}

/**
 * The account an upstream sign-in is, in one transaction:
 * 1. an identity already linked: its user;
 * 2. a local account with the same address, when both sides have confirmed it: linked now;
 *    when either has not, the person must prove the local password first (link_required);
 * 3. no account: created from the profile, with the connection's default roles, if the connection
 *    may create accounts and the provider confirmed the address.
 * An address is only ever trusted as far as the provider vouches for it (`email_verified`, or the
 * admin's `trust_email`), so an upstream account cannot take over a local account by naming its address.
 */
export async function resolveAccount(scope: TenantScope, connection: Connection, profile: UpstreamProfile, actor: Actor): Promise<UpstreamOutcome> {
  const email = profile.email === null ? undefined : canonicalEmail(profile.email);
  return scope.db.transaction().execute(async (trx) => {
    const linked = await touchIdentity(trx, connection.id, profile.subject, email ?? null);
    if (linked) {
      const user = await findUserById(trx, linked.user_id);
      if (!user) throw new UpstreamRefused('no_account', 403, 'The account linked to this {provider} sign-in is gone.');
      refuseDisabled(user);
      return { kind: 'signed_in', connection: connection.name, user_id: user.id, email: user.email };
    }
    if (!email) throw new UpstreamRefused('no_email', 403, '{provider} did not share an email address, so no account here can be found or made for you.');
    let existing = await findUserByEmail(trx, email);
    if (!existing) {
      if (!connection.createUsers) throw new UpstreamRefused('no_account', 403, `There is no account for ${email} here, and signing in with {provider} does not create one.`);
      if (!profile.emailVerified) throw new UpstreamRefused('email_not_verified', 403, `{provider} has not confirmed ${email} as yours, so no account can be made from it.`);
      const created = await createAccount(trx, connection, profile, email, actor);
      if (created) return { kind: 'signed_in', connection: connection.name, user_id: created.id, email };
      // Made meanwhile by another request: treated as the existing account it now is.
      existing = (await findUserByEmail(trx, email))!;
    }
    refuseDisabled(existing);
    if (profile.emailVerified && existing.email_verified) {
      await linkIdentity(trx, connection, { userId: existing.id, subject: profile.subject, email }, actor, 'verified_email');
      return { kind: 'signed_in', connection: connection.name, user_id: existing.id, email: existing.email };
    }
    return {
      kind: 'link_required',
      connection: connection.name,
      provider_id: connection.id,
      user_id: existing.id,
      email: existing.email,
      subject: profile.subject,
      upstream_email: email,
      confirms_email: profile.emailVerified && email === existing.email,
    };
  });
}

async function createAccount(trx: TenantDb, connection: Connection, profile: UpstreamProfile, email: string, actor: Actor): Promise<UserRow | undefined> {
  const row = await insertUserIfNew(trx, {
    email,
    passwordHash: null,
    emailVerified: true,
    name: cleanName(profile.name),
    givenName: cleanName(profile.givenName),
    familyName: cleanName(profile.familyName),
  });
  if (!row) return undefined;
  await grantRoles(trx, row.id, connection.defaultRoles);
  await recordAuditEvent(trx, {
    actor: actorText(actor),
    ip: actor.ip,
    action: 'user.created',
    target: row.id,
    details: { after: auditedUser(summarizeUser(row, connection.defaultRoles)), connection: connection.name },
  });
  await linkIdentity(trx, connection, { userId: row.id, subject: profile.subject, email }, actor, 'created');
  return row;
}

/** `how`: the account was created from this sign-in, matched by confirmed address, or proven by its password. */
export async function linkIdentity(
  trx: TenantDb,
  connection: Pick<Connection, 'id' | 'name'>,
  identity: { userId: string; subject: string; email: string | null },
  actor: Actor,
  how: 'created' | 'verified_email' | 'password',
): Promise<void> {
  const inserted = await insertIdentity(trx, { providerId: connection.id, subject: identity.subject, userId: identity.userId, email: identity.email });
  if (!inserted) throw new UpstreamRefused('no_account', 409, 'This {provider} account was just linked to an account here by another sign-in. Start again.');
  await recordAuditEvent(trx, {
    actor: actorText(actor),
    ip: actor.ip,
    action: 'identity.linked',
    target: identity.userId,
    details: { identity: inserted.id, connection: connection.name, subject: identity.subject, how },
  });
}
