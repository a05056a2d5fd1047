/**
 * Waiting for something another process, connection or timer does: a NOTIFY reaching a node, a
 * server starting, a context being rebuilt. The suite runs on small shared machines where a step
 * that takes 50 ms when quiet can take seconds, so the waits are bounded generously and end as
 * soon as the condition holds; nothing asserts how long a step took (that belongs in benchmarks).
 */

/** Long enough for a 10× slower machine; short enough that a real failure still ends the test. */
export const SLOW_MACHINE_MS = 30_000;

/** A server or CLI process starting (and an embedded PostgreSQL's initdb) on a busy machine. */
export const SERVER_START_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads until `done(value)` holds or the time is up, and returns the last value read, so the
 * caller's own `expect` on it shows what was seen when it fails.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = SLOW_MACHINE_MS, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

/** Waits until `check()` is true; throws `what` when it has not become true in time. */
export async function eventually(check: () => Promise<boolean> | boolean, what = 'the condition', timeoutMs = SLOW_MACHINE_MS): Promise<void> {
  if (!(await pollUntil(async () => check(), (ok) => ok, timeoutMs))) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
}
