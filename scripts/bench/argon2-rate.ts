/**
 * The bare argon2id verify rate, in its own process: argon2 called directly with the login page's
 * parameters (src/crypto/passwords.ts), one verification in flight per core — the machine's best
 * rate (more at once is slower: they fight over memory bandwidth) — for a bounded time. Prints
 * one JSON line: verifies/s.
 */
import os from 'node:os';
import argon2 from 'argon2';
import { PASSWORD_HASH_OPTIONS } from '../../src/crypto/passwords.ts';

const seconds = Number(process.argv[2] ?? 10);
const inFlight = Number(process.env.BENCH_ARGON2_IN_FLIGHT ?? os.availableParallelism());
const hash = await argon2.hash('bench-user-password-1', PASSWORD_HASH_OPTIONS);
const verifyPassword = (stored: string, password: string) => argon2.verify(stored, password);

async function verifyFor(ms: number): Promise<number> {
  const until = performance.now() + ms;
  let count = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        if (!(await verifyPassword(hash, 'bench-user-password-1'))) throw new Error('verify failed');
        count++;
      }
    }),
  );
  return count;
}

await verifyFor(2000);
const started = performance.now();
const count = await verifyFor(seconds * 1000);
process.stdout.write(`${JSON.stringify({ verifiesPerSecond: Math.round((count / ((performance.now() - started) / 1000)) * 10) / 10, verifies: count })}\n`);
