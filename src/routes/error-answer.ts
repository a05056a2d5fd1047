import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../errors.ts';
import { databaseUnavailable, isDatabaseUnavailable } from '../db/unavailable.ts';
import { prefersHtml } from '../http/accept.ts';
import { PAGE_SECURITY_HEADERS } from '../oidc/pages/layout.ts';
import { errorPage, type WayBack } from '../oidc/pages/error.ts';

/** What a client is told about a failed request, whichever form it gets it in. */
export interface ErrorAnswer {
  status: number;
  /** Stable snake_case code: `error` in JSON, shown on the HTML page. */
  code: string;
  description: string;
  retryAfterSeconds?: number;
}

/**
 * Fastify's own errors carry `FST_ERR_…` codes, an implementation detail that must never become
 * part of the API: the code a client sees follows from the status instead.
 */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/** Our AppErrors as they are; everything else by status, 5xx details hidden (and logged). */
export function errorAnswerOf(thrown: FastifyError, request: FastifyRequest): ErrorAnswer {
  const error = isDatabaseUnavailable(thrown) ? databaseUnavailable() : thrown;
  if (isAppError(error)) {
    if (error.status >= 500 && error.status !== 503) request.log.error({ err: error }, error.message);
    const retryAfter = error.details?.retryAfterSeconds;
    return { status: error.status, code: error.code, description: error.message, ...(typeof retryAfter === 'number' && { retryAfterSeconds: retryAfter }) };
  }
  if (error.validation) return { status: 400, code: 'invalid_request', description: error.message };
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return { status, code: 'server_error', description: 'internal server error' };
  }
  return { status, code: CODE_BY_STATUS[status] ?? 'invalid_request', description: error.message };
}

interface Wording {
  title: string;
  /** For a person; the JSON description stays the technical one. */
  explanation?: string;
}

const WORDING: Readonly<Record<string, Wording>> = {
  tenant_not_found: {
    title: 'Sign-in service not found',
    explanation: 'There is no sign-in service at this address. The link you followed may be mistyped or out of date.',
  },
  tenant_suspended: {
    title: 'Sign-in service suspended',
    explanation: 'This sign-in service has been suspended by its operator. Signing in is not possible until it is resumed.',
  },
  tenant_unavailable: { title: 'Briefly unavailable', explanation: 'This sign-in service is being moved or restored. Try again in a moment.' },
  temporarily_unavailable: { title: 'Briefly unavailable', explanation: 'The service cannot reach its database right now. Try again in a moment.' },
  rate_limited: {
    title: 'Too many requests',
    explanation: 'This sign-in service is getting more requests than it takes at the moment. Wait a little, then try again.',
  },
  not_found: { title: 'Page not found', explanation: 'There is no page at this address.' },
  server_error: { title: 'Something went wrong', explanation: 'The server could not finish this request. Try again later.' },
};

const GO_BACK: WayBack = {
  text: 'Check the address, or go back to the application that sent you here and start again from there.',
};

/**
 * The one way a Fastify route answers an error: an HTML page for a browser (`Accept` prefers
 * text/html), `{error, error_description}` JSON for everyone else.
 */
export function sendErrorAnswer(request: FastifyRequest, reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  reply.status(answer.status);
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  if (!prefersHtml(request.headers.accept)) return reply.send({ error: answer.code, error_description: answer.description });
  const wording = WORDING[answer.code] ?? { title: answer.status >= 500 ? 'Something went wrong' : 'This request cannot be completed' };
  return reply
    .headers(PAGE_SECURITY_HEADERS)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(errorPage({ title: wording.title, code: answer.code, explanation: wording.explanation ?? answer.description, wayBack: GO_BACK }));
}
