import type { FastifyReply } from 'fastify';
import { PAGE_SECURITY_HEADERS } from '../../oidc/pages/layout.ts';
import { en } from '../../oidc/pages/i18n/en.ts';
import type { MessageKey } from '../../oidc/pages/i18n/translate.ts';

/**
 * Pages must not be cached, framed or allowed to load anything but their inline style.
 * `headers` replace some of those for one page (a page with the passkey script: passkey-parts.ts).
 */
export function sendPage(reply: FastifyReply, status: number, html: string, headers?: Readonly<Record<string, string>>): FastifyReply {
  return reply
    .status(status)
    .headers({ ...PAGE_SECURITY_HEADERS, ...headers })
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}

/**
 * A step that cannot go on throws this; the route table's error handler shows the message on a
 * page with the status, so every step refuses the same way. It carries the catalogue key: the page
 * says it in the request's language, while `message` (what a JSON answer and the log carry) stays English.
 */
export class InteractionRefused extends Error {
  readonly status: number;
  readonly key: MessageKey;
  constructor(status: number, key: MessageKey) {
    super(en[key]);
    this.status = status;
    this.key = key;
  }
}
