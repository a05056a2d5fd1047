/**
 * The load generator, always run as its own process so it never shares an event loop with the
 * server it measures. Reads a spec (JSON file path in argv[2]): base URL, a list of request
 * targets picked at random per request, connections and duration. Prints one JSON line of results.
 */
import fs from 'node:fs';
import autocannon from 'autocannon';

export interface LoadTarget {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  url: string;
  targets: LoadTarget[];
  connections: number;
  durationSeconds: number;
  warmupSeconds?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function run(spec: LoadSpec, durationSeconds: number): Promise<LoadResult> {
  const { targets } = spec;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: durationSeconds,
        requests: [
          {
            setupRequest: (request: autocannon.Request) => {
              const target = targets[Math.floor(Math.random() * targets.length)]!;
              return { ...request, method: target.method, path: target.path, headers: { ...target.headers }, body: target.body };
            },
          },
        ],
      },
      (error: Error | null, result: autocannon.Result) => {
        if (error) return reject(error);
        resolve({
          requestsPerSecond: Math.round(result.requests.total / (result.duration || durationSeconds)),
          requests: result.requests.total,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
        });
      },
    );
  });
}

const spec = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
if (spec.warmupSeconds) await run(spec, spec.warmupSeconds);
process.stdout.write(`${JSON.stringify(await run(spec, spec.durationSeconds))}\n`);
