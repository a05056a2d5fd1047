import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';

/**
 * Guards the platform admin API with `Authorization: Bearer <TANSU_ADMIN_TOKEN>`. Both sides are
 * hashed to SHA-256 first so the constant-time comparison sees equal lengths whatever was sent.
 * Without a configured token the API does not exist (404), so a forgotten setting cannot open it.
 */
export function platformAdminGuard(config: Pick<Config, 'adminToken'>) {
  const expected = config.adminToken === undefined ? undefined : digest(config.adminToken);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!expected) {
      throw new AppError('not_found', 'the platform admin API is disabled: set TANSU_ADMIN_TOKEN to enable it', 404);
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match || !crypto.timingSafeEqual(digest(match[1]!), expected)) {
      reply.header('www-authenticate', 'Bearer realm="tansu-admin"');
      throw new AppError('invalid_token', 'a valid platform admin token is required (Authorization: Bearer …)', 401);
    }
  };
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}
