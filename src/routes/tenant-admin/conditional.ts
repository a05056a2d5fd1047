import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.ts';

/**
 * Optimistic concurrency for the tenant admin API (RFC 9110 §13): a resource's `ETag` is a digest
 * of its representation, so it changes exactly when what the caller sees changes. An update or
 * delete sent with `If-Match` applies only if the resource still has that tag; two admins editing
 * the same user cannot silently overwrite each other. Without `If-Match` the change applies
 * (as GitHub's and Stripe's APIs do), so simple scripts keep working.
 */
export function etagOf(representation: unknown): string {
  const digest = crypto.createHash('sha256').update(JSON.stringify(representation)).digest('base64url');
  return `"${digest.slice(0, 27)}"`;
}

/** Sets the resource's ETag on the reply and returns the representation, for GET and successful updates. */
export function withEtag<T>(reply: FastifyReply, representation: T): T {
  reply.header('etag', etagOf(representation));
  return representation;
}

/**
 * 412 `precondition_failed` when the request's If-Match names none of the current tag (or `*`).
 * Call it with the representation as it is now, before changing anything, inside the same
 * transaction as the change when a race matters.
 */
export function requireMatch(request: FastifyRequest, current: unknown): void {
  const header = request.headers['if-match'];
  if (header === undefined) return;
  const tags = header.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (tags.includes('*') || tags.includes(etagOf(current))) return;
  throw new AppError('precondition_failed', 'the resource changed since you read it (If-Match does not match its ETag); read it again and retry', 412);
}
