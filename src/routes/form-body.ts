import type { FastifyInstance } from 'fastify';

/**
 * The hosted pages' forms post `application/x-www-form-urlencoded`: parsed into an object of
 * strings (the last of repeated names wins), 16 KiB at most. Registered in each page scope, not
 * on the whole app: the provider's mount parses its own bodies.
 */
export function acceptForms(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
