import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.ts';
import { createSecretBox, type SecretBox } from '../../../crypto/secret-box.ts';
import { tenantAccountCookieKey } from '../../../oidc/cookie-keys.ts';

/**
 * The account page's two cookies, both sealed (AES-256-GCM, secret-box.ts) under a key derived
 * for the tenant (cookie-keys.ts) with the tenant and the cookie's purpose as associated data:
 * the browser can neither read nor alter them, and one tenant's (or purpose's) cookie does not
 * open as another's. Both are HttpOnly, SameSite=Lax, Secure whenever the public URL is https,
 * and sent to `/t/<id>/account` and below only.
 *
 * - the sign-in in progress (`tansu.<id>.account-sign-in`): state, nonce and PKCE verifier of
 *   the authorization request the page started, for ten minutes;
 * - the account session (`tansu.<id>.account`): whose page it is and which provider session it
 *   rides on. It lapses after a short idle time and, however active, after an absolute one; on
 *   each request the user must still be active and the provider session live (signed-in.ts).
 */
export const ACCOUNT_SESSION_LIMITS = Object.freeze({
  idleSeconds: 15 * 60,
  absoluteSeconds: 2 * 60 * 60,
});

export const SIGN_IN_SECONDS = 10 * 60;

export interface AccountSession {
  userId: string;
  /** The provider session's uid (the id the sessions list shows). */
  sessionId: string;
  /** Seconds since the epoch. */
  startedAt: number;
  seenAt: number;
}

export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  /** The section to open once signed in. */
  section: string;
  createdAt: number;
}

export interface AccountCookieContext {
  config: Config;
  tenantId: string;
  /** The tenant's path under the public URL (`/t/<id>`). */
  tenantPath: string;
}

const SESSION = 'account';
const SIGN_IN = 'account-sign-in';

const cookieName = (context: AccountCookieContext, purpose: string) => `tansu.${context.tenantId}.${purpose}`;
const sealContext = (context: AccountCookieContext, purpose: string) => `tenant:${context.tenantId}:${purpose}`;
const boxOf = (context: AccountCookieContext): SecretBox => createSecretBox(tenantAccountCookieKey(context.config, context.tenantId));

export const nowInSeconds = () => Math.floor(Date.now() / 1000);

function open(context: AccountCookieContext, purpose: string, value: string | undefined): Record<string, unknown> | undefined {
  if (!value || value.length > 4096) return undefined;
  try {
    const parsed: unknown = JSON.parse(boxOf(context).open(value, sealContext(context, purpose)));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 200;
const isTime = (value: unknown): value is number => Number.isSafeInteger(value);

/** The session a sealed value holds, if it opens under this tenant's key and is within both lifetimes at `now`. */
export function openAccountSession(context: AccountCookieContext, value: string | undefined, now = nowInSeconds()): AccountSession | undefined {
  const session = open(context, SESSION, value);
  if (!session) return undefined;
  const { userId, sessionId, startedAt, seenAt } = session;
  if (!isText(userId) || !isText(sessionId) || !isTime(startedAt) || !isTime(seenAt)) return undefined;
  if (now - seenAt > ACCOUNT_SESSION_LIMITS.idleSeconds || now - startedAt > ACCOUNT_SESSION_LIMITS.absoluteSeconds) return undefined;
  return { userId, sessionId, startedAt, seenAt };
}

export function sealAccountSession(context: AccountCookieContext, session: AccountSession): string {
  return boxOf(context).seal(JSON.stringify(session), sealContext(context, SESSION));
}

export function openPendingSignIn(context: AccountCookieContext, value: string | undefined, now = nowInSeconds()): PendingSignIn | undefined {
  const pending = open(context, SIGN_IN, value);
  if (!pending) return undefined;
  const { state, nonce, verifier, section, createdAt } = pending;
  if (!isText(state) || !isText(nonce) || !isText(verifier) || !isText(section) || !isTime(createdAt)) return undefined;
  if (now - createdAt > SIGN_IN_SECONDS) return undefined;
  return { state, nonce, verifier, section, createdAt };
}

function cookieOptions(request: FastifyRequest, context: AccountCookieContext, maxAge: number) {
  return {
    path: `${context.tenantPath}/account`,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: context.config.publicUrl.startsWith('https:') || request.protocol === 'https',
    maxAge,
  };
}

export function hasAccountSessionCookie(request: FastifyRequest, context: AccountCookieContext): boolean {
  return request.cookies[cookieName(context, SESSION)] !== undefined;
}

export function readAccountSession(request: FastifyRequest, context: AccountCookieContext): AccountSession | undefined {
  return openAccountSession(context, request.cookies[cookieName(context, SESSION)]);
}

/** Starts or renews the session (its idle time counts from now); the cookie lives no longer than the session may. */
export function writeAccountSession(request: FastifyRequest, reply: FastifyReply, context: AccountCookieContext, session: AccountSession): void {
  const left = Math.max(0, Math.min(session.seenAt + ACCOUNT_SESSION_LIMITS.idleSeconds, session.startedAt + ACCOUNT_SESSION_LIMITS.absoluteSeconds) - nowInSeconds());
  reply.setCookie(cookieName(context, SESSION), sealAccountSession(context, session), cookieOptions(request, context, left));
}

export function clearAccountSession(request: FastifyRequest, reply: FastifyReply, context: AccountCookieContext): void {
  reply.clearCookie(cookieName(context, SESSION), cookieOptions(request, context, 0));
}

export function readPendingSignIn(request: FastifyRequest, context: AccountCookieContext): PendingSignIn | undefined {
  return openPendingSignIn(context, request.cookies[cookieName(context, SIGN_IN)]);
}

export function sealPendingSignIn(context: AccountCookieContext, pending: PendingSignIn): string {
  return boxOf(context).seal(JSON.stringify(pending), sealContext(context, SIGN_IN));
}

export function writePendingSignIn(request: FastifyRequest, reply: FastifyReply, context: AccountCookieContext, pending: PendingSignIn): void {
  reply.setCookie(cookieName(context, SIGN_IN), sealPendingSignIn(context, pending), cookieOptions(request, context, SIGN_IN_SECONDS));
}

export function clearPendingSignIn(request: FastifyRequest, reply: FastifyReply, context: AccountCookieContext): void {
  reply.clearCookie(cookieName(context, SIGN_IN), cookieOptions(request, context, 0));
}
