/**
 * Load generator for password logins, run as its own process: virtual browsers that each repeat a
 * whole authorization-code login with PKCE — /auth, the login page, the form post, the redirect
 * back with a code, the code exchanged at /token — for a bounded time. Reads a JSON spec
 * (argv[2]); prints one JSON line: logins/s and p50/p99 of a whole login.
 */
import fs from 'node:fs';
import { login } from './support/login-flow.ts';

export interface LoginLoadSpec {
  url: string;
  /** The provider's base URL: Tansu's `<url>/t/<tenant>`, or the bare provider's root. */
  issuer: string;
  clientId: string;
  redirectUri: string;
  users: { email: string; password: string }[];
  concurrency: number;
  durationSeconds: number;
  warmupSeconds?: number;
  /**
   * Several servers instead of `url`/`issuer` (a bare baseline whose workers have ports of their
   * own): browser i keeps to entry i mod n, as behind a sticky balancer.
   */
  servers?: { url: string; issuer: string }[];
}

export interface LoginLoadResult {
  loginsPerSecond: number;
  logins: number;
  p50: number;
  p99: number;
  failures: number;
  firstFailure?: string;
  allLogins?: number;
}

async function run(spec: LoginLoadSpec, seconds: number): Promise<LoginLoadResult> {
  const until = performance.now() + seconds * 1000;
  const times: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const browserLoop = async (_: unknown, index: number) => {
    const ip = `10.77.${Math.floor(index / 250)}.${(index % 250) + 1}`;
    const server = spec.servers?.length ? spec.servers[index % spec.servers.length]! : spec;
    const own = { ...spec, url: server.url, issuer: server.issuer };
    while (performance.now() < until) {
      const user = spec.users[next++ % spec.users.length]!;
      const t0 = performance.now();
      try {
        await login(own, user, ip);
        times.push(performance.now() - t0);
      } catch (error) {
        failures++;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, browserLoop));
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? NaN);
  return { loginsPerSecond: Math.round((times.length / elapsed) * 10) / 10, logins: times.length, p50: at(50), p99: at(99), failures, ...(firstFailure ? { firstFailure } : {}) };
}

const spec = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as LoginLoadSpec;
const warmup = spec.warmupSeconds ? await run(spec, spec.warmupSeconds) : undefined;
const result = await run(spec, spec.durationSeconds);
// Every login of the process, warm-up included, for per-login counts taken around the whole run.
process.stdout.write(`${JSON.stringify({ ...result, allLogins: result.logins + (warmup?.logins ?? 0) })}\n`);
