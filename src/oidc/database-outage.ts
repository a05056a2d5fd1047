import type Provider from 'oidc-provider';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/unavailable.ts';

/**
 * oidc-provider answers any error that is not its own with 500 `server_error`. When the cause is
 * the database being out of reach (restarting, stopped), the client should retry instead: this
 * turns those answers into 503 `temporarily_unavailable` (RFC 6749 §4.1.2.1) with Retry-After.
 * The provider's error handler catches inside each route and reports through its `server_error`
 * event, which fires before the response leaves this middleware, the first in the chain.
 */
export function answerDatabaseOutagesWith503(provider: Provider): void {
  const unavailable = new WeakSet<object>();
  provider.on('server_error', (ctx: object, error: unknown) => {
    if (isDatabaseUnavailable(error)) unavailable.add(ctx);
  });
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      unavailable.add(ctx);
    }
    if (!unavailable.has(ctx)) return;
    ctx.status = 503;
    ctx.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    ctx.set('cache-control', 'no-store');
    // A browser keeps the HTML error page; API clients get the RFC 6749 JSON.
    if (typeof ctx.body !== 'string') {
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the database is unavailable; retry shortly' };
    }
  });
}
