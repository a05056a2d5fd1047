/**
 * The bare baselines on several cores, the way Tansu uses them: `node:cluster` workers, one per
 * core unless BENCH_WORKERS says otherwise (issue 19: the fair yardstick for W Tansu workers is
 * the bare library with W workers, not one process).
 *
 * Two ways to share the work:
 * - `shared`: every worker listens on one port and the primary hands out connections, as in Tansu
 *   (node:cluster's default round-robin). For stateless requests (client credentials).
 * - `own-port`: each worker listens on a port of its own and the load generator sends each virtual
 *   browser to one of them — a sticky balancer. For flows whose state lives in one worker's
 *   memory (the in-memory adapter), which a round-robin would scatter.
 *
 * The primary prints `listening <port>[,<port>…]` once every worker listens, and on SIGTERM ends
 * the workers and exits. With one worker no cluster is made: the process serves by itself.
 */
import cluster from 'node:cluster';
import net from 'node:net';
import http from 'node:http';

export const BARE_WORKERS = Math.max(1, Number(process.env.BENCH_WORKERS ?? 1));

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Runs `setup` in each worker (or in this process when there is one): it gets the shared state the
 * primary made once (e.g. the signing key, so that every worker signs with the same one) and
 * returns the request handler.
 */
export async function serveBare<S>(
  mode: 'shared' | 'own-port',
  makeShared: () => Promise<S>,
  setup: (shared: S, port: number) => Promise<http.RequestListener>,
): Promise<void> {
  if (BARE_WORKERS > 1 && cluster.isPrimary) {
    const shared = await makeShared();
    const port = mode === 'shared' ? await freePort() : 0;
    const env = { BENCH_BARE_SHARED: JSON.stringify(shared), BENCH_BARE_PORT: String(port) };
    const ports: number[] = [];
    await Promise.all(
      Array.from({ length: BARE_WORKERS }, () =>
        new Promise<void>((resolve, reject) => {
          const worker = cluster.fork(env);
          worker.once('message', (message: { listening: number }) => {
            ports.push(message.listening);
            resolve();
          });
          worker.once('exit', (code) => reject(new Error(`a bare worker exited with ${code}`)));
        }),
      ),
    );
    process.stdout.write(`listening ${mode === 'shared' ? port : ports.join(',')}\n`);
    process.on('SIGTERM', () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
      cluster.disconnect(() => process.exit(0));
    });
    return;
  }
  const shared = cluster.isWorker ? (JSON.parse(process.env.BENCH_BARE_SHARED!) as S) : await makeShared();
  const server = http.createServer();
  // `exclusive`: a port of its own (own-port mode); otherwise node:cluster would share one handle,
  // even for port 0, and hand its connections round-robin to every worker.
  const port0 = Number(process.env.BENCH_BARE_PORT ?? 0);
  await new Promise<void>((resolve) => server.listen({ port: port0, host: '127.0.0.1', exclusive: mode === 'own-port' }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  server.on('request', await setup(shared, port));
  if (cluster.isWorker) process.send!({ listening: port });
  else process.stdout.write(`listening ${port}\n`);
  // A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
