import crypto from 'node:crypto';

/**
 * Recovery codes: ten per user, shown once, each good for one sign-in when the authenticator is
 * lost. A code is 16 symbols of Crockford's Base32 (80 random bits), shown `xxxx-xxxx-xxxx-xxxx`;
 * typed back in any case, with or without dashes and spaces, and with the look-alikes it leaves
 * out read as what they look like (I and L as 1, O as 0). With that much entropy an unsalted
 * SHA-256 is enough to store one (as for client secrets): nobody searches 2^80 candidates, and
 * the digest finds the row.
 */
export const RECOVERY_CODES = Object.freeze({ count: 10, symbols: 16, groupOf: 4 });

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function newRecoveryCode(): string {
  const symbols = [...crypto.randomBytes(RECOVERY_CODES.symbols)].map((byte) => CROCKFORD[byte & 31]!);
  const groups: string[] = [];
  for (let i = 0; i < symbols.length; i += RECOVERY_CODES.groupOf) groups.push(symbols.slice(i, i + RECOVERY_CODES.groupOf).join(''));
  return groups.join('-');
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES.count }, newRecoveryCode);
}

/** What was typed as a recovery code, in canonical form; undefined when it cannot be one. */
export function recoveryCodeOf(input: string): string | undefined {
  const code = input
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0');
  return code.length === RECOVERY_CODES.symbols && [...code].every((symbol) => CROCKFORD.includes(symbol)) ? code : undefined;
}

/** The stored digest of a code, canonical or as shown. */
export function recoveryCodeHash(code: string): string {
  return crypto.createHash('sha256').update(recoveryCodeOf(code) ?? code).digest('hex');
}
