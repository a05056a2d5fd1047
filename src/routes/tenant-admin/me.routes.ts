import type { FastifyInstance } from 'fastify';
import { adminCallerOf } from './auth.ts';

/** `GET /t/<id>/admin/v1/me`: who the token stands for, and what it may do. Needs no particular scope. */
export function meRoutes(scope: FastifyInstance): void {
  scope.get('/t/:tenant/admin/v1/me', async (request) => {
    const caller = adminCallerOf(request);
    return { subject: caller.id, type: caller.type, scopes: [...caller.scopes].sort(), client_id: caller.clientId };
  });
}
