import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../errors.ts';
import { databaseUnavailable, isDatabaseUnavailable } from '../db/unavailable.ts';
import { prefersHtml } from '../http/accept.ts';
import { PAGE_SECURITY_HEADERS } from '../oidc/pages/layout.ts';
import { errorPage, type WayBack } from '../oidc/pages/error.ts';
import { t, type MessageKey } from '../oidc/pages/i18n/translate.ts';

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
  title: MessageKey;
  /** For a person; the JSON description stays the technical one. */
  explanation?: MessageKey;
}

const WORDING: Readonly<Record<string, Wording>> = {
  tenant_not_found: { title: 'error.tenantNotFoundTitle', explanation: 'error.tenantNotFound' },
  tenant_suspended: { title: 'error.tenantSuspendedTitle', explanation: 'error.tenantSuspended' },
  tenant_unavailable: { title: 'error.unavailableTitle', explanation: 'error.tenantUnavailable' },
  temporarily_unavailable: { title: 'error.unavailableTitle', explanation: 'error.databaseUnavailable' },
  rate_limited: { title: 'error.rateLimitedTitle', explanation: 'error.rateLimited' },
  not_found: { title: 'error.notFoundTitle', explanation: 'error.notFound' },
  server_error: { title: 'error.somethingWrong', explanation: 'error.serverError' },
};

const goBack = (): WayBack => ({ text: t('error.goBack') });

/**
 * The one way a Fastify route answers an error: an HTML page for a browser (`Accept` prefers
 * text/html), `{error, error_description}` JSON for everyone else.
 */
export function sendErrorAnswer(request: FastifyRequest, reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  reply.status(answer.status);
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  if (!prefersHtml(request.headers.accept)) return reply.send({ error: answer.code, error_description: answer.description });
  const wording: Wording = WORDING[answer.code] ?? { title: answer.status >= 500 ? 'error.somethingWrong' : 'error.cannotComplete' };
  return reply
    .headers(PAGE_SECURITY_HEADERS)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(errorPage({ title: t(wording.title), code: answer.code, explanation: wording.explanation ? t(wording.explanation) : answer.description, wayBack: goBack() }));
}
