import crypto from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import { checkedLabel } from './enrolment.service.ts';
import { replaceRecoveryCodes, unusedRecoveryCodeCount } from './mfa.repository.ts';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.ts';
import { findPasskeyByCredentialId, insertChallenge, insertPasskey, passkeysOf, recordPasskeyUse, takeChallenge, type ChallengeBinding } from './passkeys.repository.ts';
import type { RelyingParty } from './passkey-relying-party.ts';

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): adding one to an account, and using one, either
 * as the second step after a password or alone, as a passwordless sign-in. Nothing here knows
 * where the person is (sign-in or account page); the caller names the relying party
 * (passkey-relying-party.ts) and what the challenge is bound to.
 *
 * - Every challenge is stored (passkeys.repository.ts) and taken by the check of its answer:
 *   single use, five minutes, for the one interaction or account session that asked.
 * - Registration asks for a discoverable credential (`residentKey: required`), so the same
 *   passkey also signs in without a password. Attestation is not asked for (`none`): a tenant
 *   does not pick vendors, and attestation would identify the device model.
 * - A passwordless sign-in requires user verification (a PIN or biometric on the authenticator):
 *   something owned and something known or being, so it counts as MFA. As a second factor,
 *   presence suffices (the password was the other factor).
 * - The counter: the library's own check is bypassed (it runs before the signature is checked)
 *   and done after the signature verifies, so a regression is a real authenticator's answer,
 *   worth an audit event (`user.passkey_counter_regression`: a cloned authenticator, or a
 *   replay), and refused. Authenticators that keep no counter send 0 every time; that is fine.
 */
export const PASSKEY_CHALLENGE_SECONDS = 5 * 60;
export const DEFAULT_PASSKEY_LABEL = 'Passkey';
const CEREMONY_TIMEOUT_MS = 2 * 60 * 1000;

/** RFC 8176: `swk` for a synced (backed-up) passkey, whose key left the device; `hwk` for one bound to its authenticator. */
export type PasskeyMethod = 'hwk' | 'swk';

export const passkeyMethodOf = (backedUp: boolean): PasskeyMethod => (backedUp ? 'swk' : 'hwk');

/**
 * The WebAuthn user handle of a user at a tenant: a digest of both, so it carries no address or
 * name, is the same for each of the user's passkeys (an authenticator keeps one per account and
 * site), and differs between tenants sharing a host.
 */
export function passkeyUserHandle(tenantId: string, userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(crypto.createHash('sha256').update(`tansu-webauthn-user:${tenantId}:${userId}`).digest());
}

const refused = (message: string) => new AppError('passkey_refused', message, 400);

/** What a browser sent, shaped enough to hand to the library; anything else is refused here. */
function credentialJson<T>(value: unknown): T & { id: string } {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.length > 64 * 1024) throw refused('the passkey answer is too large');
    try {
      parsed = JSON.parse(value);
    } catch {
      throw refused('the passkey answer is not JSON');
    }
  }
  const object = parsed as { id?: unknown; response?: unknown; type?: unknown };
  if (!object || typeof object !== 'object' || typeof object.id !== 'string' || object.id.length > 1024 || typeof object.response !== 'object' || object.response === null) {
    throw refused('the passkey answer is not a WebAuthn credential');
  }
  return parsed as T & { id: string };
}

export interface RegistrationStart {
  rp: RelyingParty;
  user: { id: string; email: string; name?: string | null };
  /** The account session (its provider session uid) that asked. */
  binding: string;
}

/** Options for `navigator.credentials.create`, the challenge stored; the user's passkeys are excluded (no second copy of one). */
export async function passkeyRegistrationOptions(scope: TenantScope, start: RegistrationStart): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await passkeysOf(scope.db, start.user.id);
  const options = await generateRegistrationOptions({
    rpName: start.rp.name,
    rpID: start.rp.id,
    userName: start.user.email,
    userID: passkeyUserHandle(scope.id, start.user.id),
    userDisplayName: start.user.name || start.user.email,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((row) => ({ id: row.credential_id!, transports: row.transports ?? undefined })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  await insertChallenge(scope.db, options.challenge, { purpose: 'register', binding: start.binding, userId: start.user.id }, PASSKEY_CHALLENGE_SECONDS);
  return options;
}

export interface RegistrationFinish {
  rp: RelyingParty;
  userId: string;
  binding: string;
  label: string | undefined;
  /** The browser's `startRegistration` result, as JSON text or parsed. */
  response: unknown;
}

/**
 * Verifies a registration (its challenge taken, the origin and RP ID the tenant's) and stores
 * the passkey. A user's first factor comes with recovery codes, as with an authenticator app.
 * `passkey_refused` (400) for anything the browser sent that does not verify. Audited as
 * `user.mfa_factor_added`.
 */
export async function registerPasskey(scope: TenantScope, finish: RegistrationFinish, actor: Actor): Promise<{ factorId: string; recoveryCodes: string[] | undefined }> {
  const label = checkedLabel(finish.label?.trim() ? finish.label : DEFAULT_PASSKEY_LABEL);
  const response = credentialJson<RegistrationResponseJSON>(finish.response);
  const bound: ChallengeBinding = { purpose: 'register', binding: finish.binding, userId: finish.userId };
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: (challenge) => takeChallenge(scope.db, challenge, bound),
      expectedOrigin: finish.rp.origin,
      expectedRPID: finish.rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    throw refused(`the passkey could not be verified: ${(error as Error).message}`);
  }
  if (!verified.verified) throw refused('the passkey could not be verified');
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  const factorId = crypto.randomUUID();
  return scope.db.transaction().execute(async (trx) => {
    const stored = await insertPasskey(trx, {
      id: factorId,
      userId: finish.userId,
      label,
      credentialId: credential.id,
      publicKey: credential.publicKey,
      signCount: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      userHandle: Buffer.from(passkeyUserHandle(scope.id, finish.userId)).toString('base64url'),
    });
    if (!stored) throw new AppError('passkey_exists', 'this passkey is registered already', 409);
    const recoveryCodes = (await unusedRecoveryCodeCount(trx, finish.userId)) === 0 ? newRecoveryCodes() : undefined;
    if (recoveryCodes) await replaceRecoveryCodes(trx, finish.userId, recoveryCodes.map(recoveryCodeHash));
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.mfa_factor_added',
      target: finish.userId,
      details: { factor_id: factorId, kind: 'webauthn', label, device_type: credentialDeviceType, backed_up: credentialBackedUp, recovery_codes_issued: recoveryCodes !== undefined },
    });
    return { factorId, recoveryCodes };
  });
}

/** Options for a passwordless sign-in: no credential named (the authenticator offers its discoverable ones), verification required. */
export async function passkeySignInOptions(scope: TenantScope, input: { rp: RelyingParty; binding: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({ rpID: input.rp.id, userVerification: 'required', timeout: CEREMONY_TIMEOUT_MS });
  await insertChallenge(scope.db, options.challenge, { purpose: 'sign_in', binding: input.binding, userId: null }, PASSKEY_CHALLENGE_SECONDS);
  return options;
}

/** Options for the second step: the user's passkeys named; presence suffices. */
export async function passkeySecondFactorOptions(scope: TenantScope, input: { rp: RelyingParty; binding: string; userId: string }): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const passkeys = await passkeysOf(scope.db, input.userId);
  const options = await generateAuthenticationOptions({
    rpID: input.rp.id,
    userVerification: 'preferred',
    timeout: CEREMONY_TIMEOUT_MS,
    allowCredentials: passkeys.map((row) => ({ id: row.credential_id!, transports: row.transports ?? undefined })),
  });
  await insertChallenge(scope.db, options.challenge, { purpose: 'second_factor', binding: input.binding, userId: input.userId }, PASSKEY_CHALLENGE_SECONDS);
  return options;
}

export interface PasskeyAssertion {
  rp: RelyingParty;
  /** `sign_in`: any user's passkey (the credential names the user); `second_factor`: only `userId`'s. */
  purpose: 'sign_in' | 'second_factor';
  binding: string;
  userId: string | null;
  response: unknown;
  ip: string;
}

export type PasskeyResult =
  | { ok: true; userId: string; factorId: string; method: PasskeyMethod }
  | { ok: false; reason: 'unknown_credential' | 'not_verified' | 'counter_regression' | 'account_unavailable'; message: string };

/**
 * Checks a passkey's answer: a credential of this tenant (of `userId` for a second factor), the
 * challenge this interaction was given (taken), the tenant's origin and RP ID, the signature,
 * user verification for a passwordless sign-in, and a counter that moved forward. Records the
 * use (counter, backup flags as reported now, time).
 */
export async function verifyPasskey(scope: TenantScope, assertion: PasskeyAssertion): Promise<PasskeyResult> {
  let response: AuthenticationResponseJSON & { id: string };
  try {
    response = credentialJson<AuthenticationResponseJSON>(assertion.response);
  } catch (error) {
    return { ok: false, reason: 'not_verified', message: (error as Error).message };
  }
  const row = await findPasskeyByCredentialId(scope.db, response.id);
  if (!row || (assertion.userId !== null && row.user_id !== assertion.userId)) {
    return { ok: false, reason: 'unknown_credential', message: 'this passkey is not registered here' };
  }
  const handle = response.response?.userHandle;
  if (assertion.purpose === 'sign_in' && handle !== undefined && handle !== row.user_handle) {
    return { ok: false, reason: 'unknown_credential', message: 'this passkey belongs to another account' };
  }
  const bound: ChallengeBinding = { purpose: assertion.purpose, binding: assertion.binding, userId: assertion.userId };
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: (challenge) => takeChallenge(scope.db, challenge, bound),
      expectedOrigin: assertion.rp.origin,
      expectedRPID: assertion.rp.id,
      // 0: the counter is judged below, once the signature has verified.
      credential: { id: row.credential_id!, publicKey: new Uint8Array(row.public_key!), counter: 0, transports: row.transports ?? undefined },
      requireUserVerification: assertion.purpose === 'sign_in',
    });
  } catch (error) {
    return { ok: false, reason: 'not_verified', message: (error as Error).message };
  }
  if (!verified.verified) return { ok: false, reason: 'not_verified', message: 'the signature does not verify' };
  const info = verified.authenticationInfo;
  const stored = Number(row.sign_count);
  if ((info.newCounter > 0 || stored > 0) && info.newCounter <= stored) {
    await recordAuditEvent(scope.db, {
      actor: actorText({ type: 'user', id: row.user_id }),
      ip: assertion.ip,
      action: 'user.passkey_counter_regression',
      target: row.user_id,
      details: { factor_id: row.id, label: row.label, stored_counter: stored, presented_counter: info.newCounter },
    });
    return { ok: false, reason: 'counter_regression', message: "the passkey's counter went backwards: it may have been copied" };
  }
  const user = await findUserById(scope.db, row.user_id);
  if (!user || user.status !== 'active') return { ok: false, reason: 'account_unavailable', message: 'this account cannot sign in' };
  const recorded = await recordPasskeyUse(scope.db, {
    factorId: row.id,
    readCount: row.sign_count!,
    newCount: info.newCounter,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  });
  if (!recorded) return { ok: false, reason: 'not_verified', message: 'this passkey was used at the same moment elsewhere' };
  return { ok: true, userId: row.user_id, factorId: row.id, method: passkeyMethodOf(info.credentialBackedUp) };
}
