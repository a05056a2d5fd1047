import { generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP (RFC 6238) as every authenticator app speaks it: HMAC-SHA1, six digits, a 30-second
 * step, a 160-bit secret in Base32. A code is accepted for the current step and one step either
 * side (RFC 6238 §5.2: clocks drift and people type slowly); which step it matched is returned,
 * so the caller can refuse a code whose step was already used (replay).
 */
export const TOTP = Object.freeze({ periodSeconds: 30, digits: 6, secretBytes: 20 });

/** Seconds either side of now a code's step may lie in: one step. */
const TOLERANCE_SECONDS = TOTP.periodSeconds;

export function newTotpSecret(): string {
  return generateSecret({ length: TOTP.secretBytes });
}

/** The `otpauth://totp/…` URI an authenticator app scans: the tenant as issuer, the account as label. */
export function totpUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret, digits: TOTP.digits, period: TOTP.periodSeconds });
}

/** Six digits after spaces are removed (apps show `123 456`); anything else is no TOTP code. */
export function totpCodeOf(input: string): string | undefined {
  const code = input.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/** The time step `code` belongs to, within the window around `now`; undefined when it matches none. */
export async function totpStepOf(secret: string, code: string, now = Date.now()): Promise<number | undefined> {
  const result = await verify({ secret, token: code, epoch: Math.floor(now / 1000), epochTolerance: TOLERANCE_SECONDS, period: TOTP.periodSeconds });
  // The functional API answers for HOTP too; a TOTP match carries its step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
