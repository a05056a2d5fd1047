/**
 * Warming a node up to its steady state: every worker has built the context of every tenant the
 * load touches. A fixed warm-up is not enough: how fast contexts are built depends on how fast
 * the machine starts PostgreSQL sessions (one per tenant and worker), which varies several-fold
 * between machines (BENCHMARKS.md), and a measured run that still builds contexts measures cold
 * starts, not the token endpoint.
 */
import { runLoad, type LoadSpec } from './load.ts';
import { progress, round } from './report.ts';

/** Tenant contexts the node has built since it started: the sum over its workers (/metrics). */
export async function contextsBuilt(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^tansu_tenant_cache_misses_total (\d+)/m.exec(text);
  if (!match) throw new Error('the server did not report tansu_tenant_cache_misses_total');
  return Number(match[1]);
}

export interface WarmUp {
  contexts: number;
  seconds: number;
  /** Contexts built per second while the load ran over every tenant. */
  perSecond: number;
}

/**
 * Runs the load in short rounds until the node has built `contexts` contexts since it started
 * (workers × tenants, for a server started for this run), then one more round so the JIT settles
 * on the warm path. Gives up after `maxSeconds`.
 */
export async function warmEveryContext(spec: Omit<LoadSpec, 'durationSeconds' | 'warmupSeconds'>, contexts: number, maxSeconds = 900): Promise<WarmUp> {
  const started = performance.now();
  const report = progress(`building ${contexts} tenant contexts`, contexts);
  for (;;) {
    const built = await contextsBuilt(spec.url);
    report(Math.min(built, contexts));
    if (built >= contexts) break;
    const seconds = (performance.now() - started) / 1000;
    if (seconds > maxSeconds) throw new Error(`only ${built} of ${contexts} tenant contexts were built in ${Math.round(seconds)} s`);
    await runLoad({ ...spec, durationSeconds: 5 });
  }
  const seconds = (performance.now() - started) / 1000;
  await runLoad({ ...spec, durationSeconds: 3 });
  return { contexts, seconds: round(seconds), perSecond: round(contexts / seconds) };
}
