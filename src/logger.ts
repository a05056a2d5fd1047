import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** Structured logs; anything that may carry a secret is redacted by path. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'tansu' },
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
    destination,
  );
}
