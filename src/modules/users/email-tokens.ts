import crypto from 'node:crypto';
import type { EmailTokenPurpose } from '../../db/schema.ts';

export type { EmailTokenPurpose };

/**
 * The one-time tokens of mailed links. A token is 32 random bytes (256 bits, base64url): far
 * beyond guessing, so a fast digest stores it safely, as for invitations and client secrets.
 * The digest covers the tenant's id and the link's purpose along with the token, so a stored
 * row answers only its own tenant and purpose: a reset link of tenant A presented at tenant B
 * (or at a copy of A's database restored under another id) finds nothing, and neither does a
 * verification link presented as a reset link.
 */
export const EMAIL_TOKEN_LIFETIME_SECONDS: Readonly<Record<EmailTokenPurpose, number>> = Object.freeze({
  verify_email: 24 * 60 * 60,
  reset_password: 30 * 60,
  magic_link: 15 * 60,
  change_email: 24 * 60 * 60,
});

/** What `{{expires_in}}` says in the mail. */
export function lifetimeInWords(purpose: EmailTokenPurpose): string {
  const seconds = EMAIL_TOKEN_LIFETIME_SECONDS[purpose];
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function generateEmailToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Whether the text can be a token at all: anything else is refused without a database query. */
export function isEmailTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && TOKEN.test(token);
}

/**
 * `boundTo`: what else the link only works with, digested along (a magic link's interaction uid:
 * magic-link.service.ts). The token is base64url, so the line break cannot be forged into it.
 */
export function hashEmailToken(tenantId: string, purpose: EmailTokenPurpose, token: string, boundTo?: string): string {
  const bound = boundTo === undefined ? '' : `\n${boundTo}`;
  return crypto.createHash('sha256').update(`tansu-email-token:v1\n${tenantId}\n${purpose}\n${token}${bound}`, 'utf8').digest('hex');
}
