import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { documentedApi } from '../../../src/routes/openapi/documented-api.ts';
import type { OpenApiDocument } from '../../../src/routes/openapi/openapi-document.ts';
import { requireScope, requiredScopesOf } from '../../../src/routes/tenant-admin/auth.ts';
import { errorResponses } from '../../../src/routes/schemas.ts';

/**
 * What documentedApi makes of an API's routes, on a small API of its own: names, tags and
 * security derived from each route, the server's path prefix taken out of the paths and
 * parameters, a route's own choices kept, hidden routes and routes outside the API left out.
 */
const Params = Type.Object({ org: Type.String(), user_id: Type.String({ description: 'the user' }) });
const Answer = { 200: Type.Object({ ok: Type.Boolean() }, { additionalProperties: false, description: 'done' }), ...errorResponses({ 401: 'invalid_token' }) };

let app: FastifyInstance;
let document: OpenApiDocument;

beforeAll(async () => {
  app = Fastify();
  // Beside the API, not in it.
  app.get('/o/:org/api/v1/elsewhere', { schema: { params: Type.Object({ org: Type.String() }), response: Answer } }, async () => ({ ok: true }));
  await app.register(
    documentedApi({
      info: { title: 'Example API', version: 'v1' },
      home: '/o/:org/api/v1',
      homeParams: Type.Object({ org: Type.String() }),
      homeErrors: { 404: 'not_found' },
      base: /^\/o\/:org\/api\/v1/,
      serverPath: { prefix: '/o/:org/api/v1', params: ['org'] },
      securitySchemes: { token: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/token', scopes: {} } } } },
      securityOf: (route) => [{ token: requiredScopesOf(route) }],
      async specifics(_scope, request) {
        const { org } = request.params as { org: string };
        return {
          servers: [{ url: `https://id.example/o/${org}/api/v1` }],
          securitySchemes: { token: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `https://id.example/o/${org}/token`, scopes: { 'users:read': 'read users' } } } } },
        };
      },
      async routes(scope) {
        scope.get('/o/:org/api/v1/users', { preHandler: requireScope('users:read'), schema: { params: Type.Object({ org: Type.String() }), response: Answer } }, async () => ({ ok: true }));
        scope.post(
          '/o/:org/api/v1/users/:user_id/disable',
          { preHandler: [requireScope('users:write')], schema: { summary: 'Disable a user', params: Params, response: Answer } },
          async () => ({ ok: true }),
        );
        scope.get(
          '/o/:org/api/v1/widgets',
          { schema: { operationId: 'listWidgets', tags: ['things'], params: Type.Object({ org: Type.String() }), response: Answer } },
          async () => ({ ok: true }),
        );
        scope.get('/o/:org/api/v1/internal', { schema: { hide: true, response: Answer } }, async () => ({ ok: true }));
      },
    }),
  );
  await app.ready();
  const answer = await app.inject({ url: '/o/acme/api/v1/openapi.json' });
  expect(answer.statusCode).toBe(200);
  document = answer.json();
});
afterAll(async () => {
  await app?.close();
});

describe('documentedApi', () => {
  it("documents the API's routes relative to the server, and nothing else", () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://id.example/o/acme/api/v1' }]);
    expect(Object.keys(document.paths).sort()).toEqual(['/users', '/users/{user_id}/disable', '/widgets']);
  });

  it('names each operation from its method and path, and tags it with its resource, unless the route chose', () => {
    expect(document.paths['/users']!.get).toMatchObject({ operationId: 'getUsers', tags: ['users'] });
    expect(document.paths['/users/{user_id}/disable']!.post).toMatchObject({ operationId: 'postUsersByUserIdDisable', tags: ['users'], summary: 'Disable a user' });
    expect(document.paths['/widgets']!.get).toMatchObject({ operationId: 'listWidgets', tags: ['things'] });
    expect(document.tags).toEqual([{ name: 'things' }, { name: 'users' }]);
  });

  it('documents the scope each route enforces through requireScope, and drops the params the server URL holds', () => {
    expect(document.paths['/users']!.get!.security).toEqual([{ token: ['users:read'] }]);
    expect(document.paths['/users/{user_id}/disable']!.post!.security).toEqual([{ token: ['users:write'] }]);
    expect(document.paths['/widgets']!.get!.security).toEqual([{ token: [] }]);
    expect(document.paths['/users']!.get!.parameters).toBeUndefined();
    expect(document.paths['/users/{user_id}/disable']!.post!.parameters).toEqual([
      { schema: { type: 'string' }, in: 'path', name: 'user_id', required: true, description: 'the user' },
    ]);
  });

  it('fills in each request its own server and token endpoint, from one document built once', async () => {
    const other = (await app.inject({ url: '/o/globex/api/v1/openapi.json' })).json() as OpenApiDocument;
    expect(other.servers).toEqual([{ url: 'https://id.example/o/globex/api/v1' }]);
    expect(JSON.stringify(other)).not.toContain('acme');
    expect(JSON.stringify(document)).not.toContain('globex');
    expect(other.paths).toEqual(document.paths);
  });

  it('serves the reference page without script, naming each operation and its scope', async () => {
    const page = await app.inject({ url: '/o/acme/api/v1/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'none'");
    expect(page.body).toContain('<section id="postUsersByUserIdDisable" class="operation">');
    expect(page.body).toContain('scope <code>users:write</code>');
    expect(page.body).toContain('<code>https://id.example/o/acme/token</code>');
    expect(page.body).not.toContain('<script');
  });
});
