import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

/**
 * Discovery and JWKS answers, kept per provider instance once it has produced them. Both are pure
 * functions of the tenant's configuration and keys, which only change by building a new provider
 * (a key rotation or tenant change drops the tenant's context through NOTIFY), so the cache goes
 * with the instance. Only plain requests are answered from it: one with an Origin (CORS headers
 * depend on it) or a conditional header goes to the provider as before.
 */
interface PublicResponse {
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

const responses = new WeakMap<Provider, Map<string, PublicResponse>>();

/** The cache key for a request, or undefined when its answer may depend on more than the path. */
export function publicResponseKey(path: string, headers: Record<string, unknown>): string | undefined {
  // A query string would let anyone add entries: only the bare paths are cached.
  if (path.includes('?')) return undefined;
  if (headers.origin !== undefined || headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return undefined;
  return path;
}

/** Answers from the cache; false when there is nothing cached yet. */
export function sendCachedPublicResponse(provider: Provider, key: string, res: ServerResponse): boolean {
  const cached = responses.get(provider)?.get(key);
  if (!cached) return false;
  res.writeHead(200, { ...cached.headers, 'content-length': cached.body.length });
  res.end(cached.body);
  return true;
}

/** Records the provider's answer on `res` and keeps it if it is a 200 without cookies. */
export function capturePublicResponse(provider: Provider, key: string, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  const collect = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  // Some responses (light-my-request's, in tests) end by calling their own write: count it once.
  let ending = false;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!ending) collect(chunk);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    collect(chunk);
    ending = true;
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
  res.once('finish', () => {
    if (res.statusCode !== 200 || res.hasHeader('set-cookie')) return;
    const headers = res.getHeaders();
    delete headers['content-length'];
    let perProvider = responses.get(provider);
    if (!perProvider) {
      perProvider = new Map();
      responses.set(provider, perProvider);
    }
    perProvider.set(key, { headers, body: Buffer.concat(chunks) });
  });
}
