/**
 * The bare argon2id verify rate: argon2 called directly with the login page's parameters
 * (src/crypto/passwords.ts), one verification in flight per core — the machine's best rate (more
 * at once is slower: they fight over memory bandwidth) — for a bounded time. Prints one JSON line:
 * verifies/s.
 *
 * Every core, as Tansu's workers use them: BENCH_WORKERS processes (default one per core, like
 * Tansu's default WORKERS), each with its share of the cores in flight and a libuv pool at least
 * that large. One process alone is capped by its pool (4 threads by default): on 16 cores it read
 * 169/s where Tansu's 12 workers verified 247 logins/s (issue 19). BENCH_ARGON2_IN_FLIGHT sets
 * the total in flight instead (BENCHMARKS.md's table by number in flight).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import argon2 from 'argon2';
import { PASSWORD_HASH_OPTIONS } from '../../src/crypto/passwords.ts';

const seconds = Number(process.argv[2] ?? 10);
const cores = os.availableParallelism();
const totalInFlight = Number(process.env.BENCH_ARGON2_IN_FLIGHT || cores);
const processes = Math.max(1, Math.min(totalInFlight, Number(process.env.BENCH_WORKERS || cores)));

interface Rate {
  verifiesPerSecond: number;
  verifies: number;
}

async function measureHere(inFlight: number): Promise<Rate> {
  const hash = await argon2.hash('bench-user-password-1', PASSWORD_HASH_OPTIONS);
  const verifyFor = async (ms: number): Promise<number> => {
    const until = performance.now() + ms;
    let count = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < until) {
          if (!(await argon2.verify(hash, 'bench-user-password-1'))) throw new Error('verify failed');
          count++;
        }
      }),
    );
    return count;
  };
  await verifyFor(2000);
  const started = performance.now();
  const verifies = await verifyFor(seconds * 1000);
  return { verifiesPerSecond: Math.round((verifies / ((performance.now() - started) / 1000)) * 10) / 10, verifies };
}

/** One child per process share; they start together and run for the same time, so their rates add up. */
function child(inFlight: number): Promise<Rate> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [process.argv[1]!, String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_ARGON2_CHILD: String(inFlight), UV_THREADPOOL_SIZE: String(Math.max(4, inFlight)) },
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as Rate) : reject(new Error(`argon2-rate child exited with ${code}`))));
  });
}

let result: Rate & { processes?: number };
if (process.env.BENCH_ARGON2_CHILD) {
  result = await measureHere(Number(process.env.BENCH_ARGON2_CHILD));
} else {
  // Shares as even as they go: 5 in flight over 2 processes is 3 + 2.
  const shares = Array.from({ length: processes }, (_, i) => Math.floor(totalInFlight / processes) + (i < totalInFlight % processes ? 1 : 0));
  const rates = await Promise.all(shares.map(child));
  result = {
    verifiesPerSecond: Math.round(rates.reduce((sum, r) => sum + r.verifiesPerSecond, 0) * 10) / 10,
    verifies: rates.reduce((sum, r) => sum + r.verifies, 0),
    processes,
  };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
