import type { FastifyInstance } from 'fastify';
import { requireCsrf } from './csrf.ts';
import { loadInteraction, requirePrompt } from './load.ts';
import { finishConnection, linkWithPassword, startConnection } from './upstream.ts';
import { connectionStartSchema, upstreamLinkSchema, upstreamReturnSchema } from './upstream.schemas.ts';

/**
 * The upstream sign-in steps of an interaction (upstream.ts), in the interaction routes' scope
 * (its form parser and refusal page): start a trip with a connection's button, come back from the
 * callback, and prove the local password to link an account.
 */
export function upstreamSteps(app: FastifyInstance, scope: FastifyInstance): void {
  scope.post('/t/:tenant/interaction/:uid/connections/:connection', { schema: connectionStartSchema }, async (request, reply) => {
    const interaction = await loadInteraction(app, request, reply);
    requireCsrf(interaction);
    requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
    return startConnection(interaction, (request.params as { connection: string }).connection);
  });

  scope.get('/t/:tenant/interaction/:uid/upstream/:trip', { schema: upstreamReturnSchema }, async (request, reply) => {
    const interaction = await loadInteraction(app, request, reply);
    requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
    return finishConnection(interaction, (request.params as { trip: string }).trip);
  });

  scope.post('/t/:tenant/interaction/:uid/upstream/:trip/link', { schema: upstreamLinkSchema }, async (request, reply) => {
    const interaction = await loadInteraction(app, request, reply);
    requireCsrf(interaction);
    requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
    return linkWithPassword(interaction, (request.params as { trip: string }).trip);
  });
}
