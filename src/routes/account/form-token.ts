import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { tenantCsrfKey } from '../../oidc/cookie-keys.ts';

/**
 * CSRF protection of the account pages, which (unlike the login form) belong to no interaction:
 * a mailed link may open in any browser. A signed double-submit cookie: the first page sets a
 * random HttpOnly, SameSite=Lax cookie under the tenant's path; its forms carry an HMAC of that
 * value under the tenant's CSRF key. Another site can neither read the cookie nor make its
 * browser send it with a cross-site POST, so it cannot produce a matching pair; the HMAC keeps a
 * value planted in the cookie from being usable without the key, and keys differ per tenant.
 */
const cookieName = (tenantId: string) => `tansu.${tenantId}.form`;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface FormTokenContext {
  config: Config;
  tenantId: string;
  /** The tenant's path under the public URL (`/t/<id>`), or `` on its own host: the cookie is sent to its pages only. */
  tenantPath: string;
}

function tokenOf(context: FormTokenContext, secret: string): string {
  return crypto.createHmac('sha256', tenantCsrfKey(context.config, context.tenantId)).update(`account-form:${secret}`).digest('base64url');
}

/** The token for this browser's forms, setting its cookie first if it has none. */
export function formTokenFor(request: FastifyRequest, reply: FastifyReply, context: FormTokenContext): string {
  let secret = request.cookies[cookieName(context.tenantId)];
  if (!secret || !SECRET.test(secret)) {
    secret = crypto.randomBytes(32).toString('base64url');
    reply.setCookie(cookieName(context.tenantId), secret, {
      path: `${context.tenantPath}/`,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
    });
  }
  return tokenOf(context, secret);
}

export const formRefused = () =>
  new AppError('invalid_form', 'The form expired or did not come from this site. Go back, reload the page and try again.', 403);

/** Every form post of the account pages, before anything else: the form's token must match this browser's cookie. */
export function requireFormToken(request: FastifyRequest, context: FormTokenContext): void {
  const secret = request.cookies[cookieName(context.tenantId)];
  const presented = (request.body as { csrf?: unknown } | undefined)?.csrf;
  if (!secret || !SECRET.test(secret) || typeof presented !== 'string') throw formRefused();
  const expected = Buffer.from(tokenOf(context, secret));
  const actual = Buffer.from(presented);
  if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) throw formRefused();
}
