/**
 * The bare argon2id verify rate, in its own process: the same parameters as the login page
 * (src/crypto/passwords.ts), as many verifications in flight as the libuv pool runs, for a
 * bounded time. Prints one JSON line: verifies/s.
 */
import { hashPassword, verifyPassword } from '../../src/crypto/passwords.ts';

const seconds = Number(process.argv[2] ?? 10);
const inFlight = Number(process.env.UV_THREADPOOL_SIZE ?? 4) * 2;
const hash = await hashPassword('bench-user-password-1');

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
