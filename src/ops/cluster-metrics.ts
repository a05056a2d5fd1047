import cluster from 'node:cluster';
import client from 'prom-client';
import { metricsRegistry } from './metrics.ts';

/**
 * With WORKERS > 1 a scrape lands on one worker, which asks the primary for the sum over every
 * worker (prom-client's AggregatorRegistry collects each worker's registry over IPC).
 */
const REQUEST = 'tansu:metrics-request';
const RESPONSE = 'tansu:metrics-response';
const TIMEOUT_MS = 5_000;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answer workers' scrape requests with the aggregated metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new client.AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text }),
      (error: Error) => worker.send({ type: RESPONSE, id: message.id, error: error.message }),
    );
  });
}

let nextId = 0;
const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

if (cluster.isWorker) {
  client.AggregatorRegistry.setRegistries(metricsRegistry);
  // Constructing one installs prom-client's listener that reports this worker's registry.
  new client.AggregatorRegistry();
  process.on('message', (message: MetricsMessage) => {
    if (message?.type !== RESPONSE) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.text ?? '');
  });
}

/** The metrics text a scrape should see: the whole node's when this process is one of its workers. */
export function nodeMetrics(): Promise<string> {
  if (!cluster.isWorker || !process.send) return metricsRegistry.metrics();
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the primary did not answer the metrics request'));
    }, TIMEOUT_MS);
    pending.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (error) => (clearTimeout(timer), reject(error)),
    });
    process.send!({ type: REQUEST, id });
  });
}
