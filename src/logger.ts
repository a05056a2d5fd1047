import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import { prettyDestination } from './log-pretty.ts';

export type { Logger };

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Fastify's request line without the query string: OAuth puts secrets and personal data there
 * (`id_token_hint` at logout, `login_hint`, `request` objects, tokens sent in error).
 */
function requestWithoutQuery(req: LoggedRequest) {
  const query = req.url.indexOf('?');
  return {
    method: req.method,
    url: query === -1 ? req.url : req.url.slice(0, query),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Structured logs; anything that may carry a secret is redacted by path. JSON on stdout unless a
 * destination is given, except in development on a terminal: readable lines there (log-pretty.ts).
 */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'env'>>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'tansu' },
      serializers: { req: requestWithoutQuery },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.client_secret',
          '*.secret',
          '*.privateKey',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? (logsForPeople(config) ? prettyDestination(process.stdout) : undefined),
  );
}

/** Development on a terminal: the banner and the log lines are for a person, not a collector. */
export function logsForPeople(config: Partial<Pick<Config, 'env'>>): boolean {
  return config.env === 'development' && process.stdout.isTTY === true;
}
