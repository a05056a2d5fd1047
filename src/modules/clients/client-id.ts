import crypto from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A client id of 22 letters and digits (about 131 random bits). Only letters and digits, so the id
 * can be pasted anywhere: a leading "-" (base64url) would read as an option on a command line.
 */
export function generateClientId(): string {
  let id = '';
  while (id.length < 22) {
    for (const byte of crypto.randomBytes(32)) {
      // 248 = 4 × 62: dropping the bytes above it keeps every character equally likely.
      if (byte < 248 && id.length < 22) id += ALPHABET[byte % 62];
    }
  }
  return id;
}
