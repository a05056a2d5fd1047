import { AppError } from '../../errors.ts';

/** A practical address check (one @, a dotted domain, no spaces); delivery is what proves an address. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@.]{2,}$/;

export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string' || input.length > 254 || !EMAIL.test(input.trim())) {
    throw new AppError('invalid_email', 'a valid email address is required');
  }
  return input.trim().toLowerCase();
}
