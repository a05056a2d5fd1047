import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenantContext } from '../tenancy/tenant-context.ts';
import { AppError } from '../errors.ts';
import { authorizationBudgets, enforceRateLimits, tokenBudgets } from './rate-limits.ts';

/**
 * The rate limits of the provider's token and authorization endpoints, judged before the request
 * reaches the provider, so a refused one costs it nothing (docs/architecture.md#rate-limits). The
 * client is the one the request names: `Authorization: Basic`, else the form (`client_id`, or the
 * subject of a `client_assertion`), else the query (authorization endpoint). It is counted before
 * the provider authenticates it, like the tenant's budget: budgets count requests, not successes.
 */
export function limitProviderRequest(app: FastifyInstance, request: FastifyRequest, res: ServerResponse, tenant: TenantContext, providerPath: string): Promise<void> | undefined {
  const query = providerPath.indexOf('?');
  const path = query === -1 ? providerPath : providerPath.slice(0, query);
  const limits = tenant.rateBudgets;
  if (path === '/token' && request.method === 'POST') {
    // The client is looked for (and the body read for it) only when a client's budget can apply.
    const perClient = limits.tokenPerClient > 0 || limits.clients.size > 0;
    if (!perClient && !(limits.token > 0)) return undefined;
    const basic = perClient ? clientIdOfBasic(request.headers.authorization) : undefined;
    // Synchronous unless the body must be read: most machine clients send Basic credentials.
    if (perClient && basic === undefined) {
      return takeForm(request.raw).then((form) => enforceRateLimits(app.rateLimiter, tokenBudgets(tenant, clientIdOfForm(form)), res));
    }
    enforceRateLimits(app.rateLimiter, tokenBudgets(tenant, basic), res);
    return undefined;
  }
  if (path === '/auth' && (request.method === 'GET' || request.method === 'POST')) {
    const perClient = limits.authorizationPerClient > 0;
    if (!perClient && !(limits.authorization > 0)) return undefined;
    if (perClient && request.method === 'POST') {
      return takeForm(request.raw).then((form) => enforceRateLimits(app.rateLimiter, authorizationBudgets(tenant, clientIdOfForm(form)), res));
    }
    const named = perClient ? (request.query as Record<string, unknown> | undefined)?.client_id : undefined;
    enforceRateLimits(app.rateLimiter, authorizationBudgets(tenant, typeof named === 'string' ? named : undefined), res);
  }
  return undefined;
}

/** RFC 6749 §2.3.1: `Basic base64(urlencoded id ":" urlencoded secret)`. */
function clientIdOfBasic(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.length < 7 || authorization.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const id = decoded.slice(0, colon);
  // Generated client ids are letters and digits: nothing to decode, the common case.
  if (!id.includes('%') && !id.includes('+')) return id;
  try {
    return decodeURIComponent(id.replaceAll('+', '%20'));
  } catch {
    return undefined;
  }
}

function clientIdOfForm(form: URLSearchParams | undefined): string | undefined {
  if (!form) return undefined;
  const clientId = form.get('client_id');
  if (clientId) return clientId;
  // RFC 7523 §3: private_key_jwt names the client as the assertion's subject.
  const assertion = form.get('client_assertion');
  if (!assertion) return undefined;
  try {
    const { sub } = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof sub === 'string' && sub ? sub : undefined;
  } catch {
    return undefined;
  }
}

/** oidc-provider's bound on a body it reads (lib/shared/selective_body.js). */
const BODY_LIMIT = 56 * 1024;

/**
 * Reads a form body and hands it back for the provider to read again. oidc-provider reads the
 * body itself (lib/shared/selective_body.js): from the request while `req.readable`, through
 * `req.iterator()`; a body read earlier it takes only from `req.body`, printing a warning on the
 * console. So the bytes read here are given back through the two members it uses, and it parses
 * them as it would have (charset, content length and all). A body past the provider's bound is
 * left alone for it to refuse; an unbounded (chunked) one that grows past it is refused here.
 */
async function takeForm(raw: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = raw.headers['content-type'];
  if (!type || !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > BODY_LIMIT) return undefined;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= BODY_LIMIT) return void chunks.push(chunk);
      raw.off('data', onData);
      raw.pause();
      reject(new AppError('invalid_request', `the request body is larger than ${BODY_LIMIT} bytes`, 413));
    };
    raw.on('data', onData);
    raw.once('end', () => {
      raw.off('data', onData);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    });
    raw.once('error', reject);
  });
  Object.defineProperty(raw, 'readable', { value: true, configurable: true });
  Object.defineProperty(raw, 'iterator', {
    configurable: true,
    value: async function* replay() {
      yield body;
    },
  });
  return new URLSearchParams(body.toString('utf8'));
}
