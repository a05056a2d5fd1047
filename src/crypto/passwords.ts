import os from 'node:os';
import argon2 from 'argon2';
import { ConcurrencyLimit } from './concurrency-limit.ts';

/** argon2id with OWASP's floor (19 MiB, t=2, p=1); a hash made with other parameters is rehashed on login. */
export const PASSWORD_HASH_OPTIONS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * argon2 runs on the libuv pool (4 threads), but 19 MiB per hash means more hashes at once than
 * cores only fight over memory bandwidth and cache: on a 2-core machine 4 at once verify at less
 * than half the rate of 2 (BENCHMARKS.md). So hashing waits for a slot: one per core, shared out
 * between the workers of a node (`limitPasswordHashing` at startup).
 */
const hashing = new ConcurrencyLimit(os.availableParallelism());

/** Password hashes this process may compute at once; main.ts gives each worker its share of the cores. */
export function limitPasswordHashing(concurrent: number): void {
  hashing.setLimit(concurrent);
}

export function hashPassword(password: string): Promise<string> {
  return hashing.run(() => argon2.hash(password, PASSWORD_HASH_OPTIONS));
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await hashing.run(() => argon2.verify(hash, password));
  } catch {
    return false;
  }
}

export function passwordNeedsRehash(hash: string): boolean {
  return argon2.needsRehash(hash, PASSWORD_HASH_OPTIONS);
}

/** A hash of a random password, verified against when the account does not exist, so timing says nothing. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}`);
  return decoyHash;
}

/** A readable generated password: 20 characters from a 57-symbol alphabet (~116 bits). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(40));
  let out = '';
  for (const byte of bytes) {
    if (byte < alphabet.length * 4) out += alphabet[byte % alphabet.length];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}
