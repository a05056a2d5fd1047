import { domainToASCII, domainToUnicode } from 'node:url';
import { AppError } from '../../errors.ts';
import { canonicalText } from './user-text.ts';

/** A practical address check (one @, a dotted domain, no spaces); delivery is what proves an address. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@.]{2,}$/;
const MAX_EMAIL_LENGTH = 254;

/**
 * The one form an address is stored, looked up and throttled under, or undefined when the input
 * is no usable address. NFKC first, so a full-width or otherwise compatible spelling of an
 * address is that address. The domain is lowercased and brought to one spelling of an
 * internationalised name (its IDNA form read back as Unicode), since DNS ignores case and
 * `xn--bcher-kva.example` is `bücher.example`. The local part is lowercased as well: RFC 5321
 * lets a mail server treat `Alice` and `alice` as two mailboxes, but no provider people sign up
 * with does, the users column is citext (compares case-insensitively) anyway, and two accounts
 * that differ only by case would be one person's two accounts, or an impersonation.
 */
export function canonicalEmail(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_EMAIL_LENGTH * 4) return undefined;
  const text = canonicalText(input.trim());
  if (text === undefined) return undefined;
  const lowered = text.toLowerCase().normalize('NFKC');
  if (!EMAIL.test(lowered)) return undefined;
  const at = lowered.lastIndexOf('@');
  const ascii = domainToASCII(lowered.slice(at + 1));
  if (!ascii) return undefined;
  const email = `${lowered.slice(0, at)}@${domainToUnicode(ascii)}`;
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email) ? email : undefined;
}

export function normalizeEmail(input: unknown): string {
  const email = canonicalEmail(input);
  if (email === undefined) throw new AppError('invalid_email', 'a valid email address is required');
  return email;
}
