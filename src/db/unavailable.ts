import { AppError, pgCode } from '../errors.ts';

/**
 * SQLSTATEs that mean the server cannot serve this session right now, whatever the statement:
 * connection exceptions (class 08), shut down by an operator or a crash (57P01, 57P02), still
 * starting or stopping (57P03), out of connection slots (53300).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Socket-level failures to reach or keep a server. */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What pg and pg-pool say, without a code, when a connection ends or cannot be had in time. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'no database connection free within',
];

/**
 * Whether an error says the database is out of reach (restarting, stopped, unreachable), rather
 * than that the request or the data is wrong: the request may succeed if sent again shortly.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Kysely and oidc-provider pass pg's errors on as they are; others may wrap them as a cause.
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = pgCode(current);
    if (code !== undefined && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
    const { message } = current;
    if (UNAVAILABLE_MESSAGES.some((start) => message.startsWith(start))) return true;
    current = current.cause;
  }
  return false;
}

/** Seconds a client is told to wait: a restart takes about that long, a longer outage is retried again. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/** The answer to a request whose database is out of reach: 503, Retry-After, RFC 6749's error code. */
export const databaseUnavailable = () =>
  new AppError('temporarily_unavailable', 'the database is unavailable; retry shortly', 503, { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
