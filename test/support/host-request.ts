import http from 'node:http';

/**
 * One HTTP request to a test node with a `Host` header of the test's choosing (fetch always sends
 * the URL's own), and optionally from another loopback address (`localAddress: '127.0.0.2'`), so
 * a test can be a trusted proxy or a stranger to the same node.
 */
export interface HostAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
  /** The Set-Cookie lines. */
  cookies: string[];
}

export interface HostRequest {
  host?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  localAddress?: string;
}

export function hostRequest(url: string, request: HostRequest = {}): Promise<HostAnswer> {
  const target = new URL(url);
  const headers: Record<string, string> = { ...request.headers };
  if (request.host !== undefined) headers.host = request.host;
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: request.method ?? 'GET', headers, localAddress: request.localAddress, agent: false },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const setCookie = incoming.headers['set-cookie'];
          resolve({ status: incoming.statusCode!, headers: incoming.headers, text, json: () => JSON.parse(text), cookies: setCookie ?? [] });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
