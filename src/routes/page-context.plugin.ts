import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { runWithPageContext, type PageContext } from '../modules/branding/page-context.ts';
import { prefersHtml } from '../http/accept.ts';

const contexts = new WeakMap<IncomingMessage, PageContext>();

/**
 * Opens the request's page context (modules/branding/page-context.ts) before any other hook, and
 * enters it again after the body is read: a body arrives on the socket's own events, outside the
 * context the request started in, so a form post would otherwise render in the default language.
 * The Accept-Language is kept only when the request wants a page: a mail queued by an API call
 * (an admin's invitation) speaks the tenant's language, not the caller's.
 */
export const pageContextPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, _reply, done) => {
    const language = request.headers['accept-language'];
    const context: PageContext = prefersHtml(request.headers.accept) && typeof language === 'string' ? { acceptLanguage: language } : {};
    contexts.set(request.raw, context);
    runWithPageContext(context, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const context = contexts.get(request.raw);
    if (context) runWithPageContext(context, done);
    else done();
  });
});
