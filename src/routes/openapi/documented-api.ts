import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import type { TSchema } from 'typebox';
import { pageSecurityHeaders } from '../../oidc/pages/layout.ts';
import { HtmlPage, errorResponses, pageOrError } from '../schemas.ts';
import { operationIdOf, tagOf } from './operation-names.ts';
import { operationsOf, type OpenApiDocument, type OpenApiSecurityScheme } from './openapi-document.ts';
import { STYLE as REFERENCE_STYLE, referencePage } from './reference-page.ts';

/** The reference page's headers: the pages' policy, its own inline style allowed by hash. */
const REFERENCE_HEADERS = pageSecurityHeaders([REFERENCE_STYLE]);

/** What one request for a document puts in it: where the API is, and how to get its tokens. */
export interface DocumentSpecifics {
  servers: NonNullable<OpenApiDocument['servers']>;
  securitySchemes: Record<string, OpenApiSecurityScheme>;
}

/** One HTTP API of the service that publishes an OpenAPI document of its own. */
export interface ApiSurface {
  info: OpenApiDocument['info'];
  /** The route path the document and the reference page hang under: `<home>/openapi.json`, `<home>/docs`. */
  home: string;
  /** The path params of `home` (a TypeBox object), and the errors its routes may answer by status. */
  homeParams?: TSchema;
  homeErrors: Record<number, string>;
  /** The part of a route's URL that is the API's base, not the resource: operation names and tags come from the rest. */
  base: RegExp;
  /**
   * A path prefix the document's server URL holds, so its paths do not (the tenant admin API:
   * `/t/:tenant/admin/v1`, the server being the tenant's `<issuer>/admin/v1`), and the path
   * params that prefix holds, which then are no operation's parameters.
   */
  serverPath?: { prefix: string; params: readonly string[] };
  /** The security schemes as the routes are documented against; each request fills in its own (`specifics`). */
  securitySchemes: Record<string, OpenApiSecurityScheme>;
  /** The security requirement of one route, from what the route itself enforces. */
  securityOf(route: RouteOptions): Record<string, string[]>[];
  /** For one request for the document: refuses when the API is not there, else what the document says for it. */
  specifics(scope: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<DocumentSpecifics>;
  /** Registers the API's routes. */
  routes(scope: FastifyInstance): Promise<void>;
}

/** Drops the path params a server URL holds from a route's params schema. */
function withoutParams(params: unknown, names: readonly string[]): unknown {
  const schema = params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!schema?.properties || names.length === 0) return params;
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !names.includes(name)));
  if (Object.keys(properties).length === 0) return undefined;
  return { ...schema, properties, required: schema.required?.filter((name) => !names.includes(name)) };
}

/**
 * What @fastify/swagger writes for one route: its schema as declared, plus what the document
 * needs and the route does not have to repeat (an operation id, a tag, its security, all derived
 * from the route). A schema that chooses its own id, tags or security keeps them.
 */
function documentRoute(surface: ApiSurface) {
  return ({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }) => {
    if (!schema || schema.hide) return { schema, url };
    const resourcePath = url.replace(surface.base, '');
    const serverPath = surface.serverPath && url.startsWith(surface.serverPath.prefix) ? surface.serverPath : undefined;
    const params = withoutParams(schema.params, serverPath?.params ?? []);
    const { params: _declared, ...rest } = schema;
    return {
      url: serverPath ? url.slice(serverPath.prefix.length) || '/' : url,
      schema: {
        ...rest,
        ...(params !== undefined && { params }),
        operationId: schema.operationId ?? operationIdOf([route.method].flat()[0]!, resourcePath),
        tags: schema.tags ?? [tagOf(resourcePath)],
        security: schema.security ?? surface.securityOf(route),
      } as FastifySchema,
    };
  };
}

/** The document's tag list: every tag its operations use, by name. */
function withTags(document: OpenApiDocument): OpenApiDocument {
  const names = new Set(operationsOf(document).flatMap(({ operation }) => operation.tags ?? []));
  return { ...document, tags: [...names].sort().map((name) => ({ name })) };
}

/**
 * Registers an API's routes in a scope of their own with @fastify/swagger watching them, so the
 * document holds exactly this API's routes (not the provider's, the sign-in pages' or the
 * probes'), and serves beside them, without a token, `<home>/openapi.json` and a reference page
 * `<home>/docs`. The document is built once from the routes' schemas; each request only fills in
 * its server URL and security schemes (`specifics`), so what one tenant's document says about
 * its issuer is never cached into another's.
 */
export function documentedApi(surface: ApiSurface) {
  return async function documentedApiPlugin(app: FastifyInstance): Promise<void> {
    await app.register(async (scope) => {
      await scope.register(fastifySwagger, {
        openapi: {
          openapi: '3.1.0',
          info: surface.info,
          components: { securitySchemes: surface.securitySchemes },
        },
        transform: documentRoute(surface),
        transformObject: ({ openapiObject }: { openapiObject: unknown }) => withTags(openapiObject as OpenApiDocument),
      } as Parameters<typeof fastifySwagger>[1]);
      await scope.register(surface.routes);

      const documentFor = async (request: FastifyRequest, reply: FastifyReply): Promise<OpenApiDocument> => {
        const { servers, securitySchemes } = await surface.specifics(scope, request, reply);
        const built = scope.swagger() as unknown as OpenApiDocument;
        return { ...built, servers, components: { ...built.components, securitySchemes } };
      };
      const params = surface.homeParams === undefined ? {} : { params: surface.homeParams };

      scope.get(
        `${surface.home}/openapi.json`,
        {
          schema: {
            hide: true,
            summary: "The API's OpenAPI 3.1 document",
            ...params,
            response: { 200: { description: 'an OpenAPI 3.1 document', type: 'object' }, ...errorResponses(surface.homeErrors) },
          },
        },
        async (request, reply) => {
          const document = await documentFor(request, reply);
          // A string is sent as it is: the response schema above only describes it.
          return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(JSON.stringify(document));
        },
      );

      scope.get(
        `${surface.home}/docs`,
        {
          schema: {
            hide: true,
            summary: "The API's reference, a page for people",
            ...params,
            response: {
              200: { description: 'the reference page', content: { 'text/html': { schema: HtmlPage } } },
              ...Object.fromEntries(Object.entries(surface.homeErrors).map(([status, description]) => [status, pageOrError(description)])),
            },
          },
        },
        async (request, reply) => {
          const document = await documentFor(request, reply);
          return reply
            .headers({ ...REFERENCE_HEADERS, 'cache-control': 'no-cache' })
            .type('text/html; charset=utf-8')
            .send(referencePage(document, 'openapi.json'));
        },
      );
    });
  };
}
