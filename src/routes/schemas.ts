import { Type } from 'typebox';

/**
 * Schema pieces every route shares. Each route declares its params, querystring, body and
 * responses with these and TypeBox; Fastify validates the request parts before the handler runs
 * (validation-errors.ts words the refusal) and @fastify/swagger can read the same declarations.
 *
 * Request objects refuse properties they do not declare (`additionalProperties: false`), in bodies
 * and querystrings alike: a misspelt or renamed field (`adminEmail` for `admin_email`) is an error
 * the caller sees, never a value silently dropped. Response objects are closed too, so Fastify's
 * serializer writes exactly the declared fields.
 */

/** `{ error, error_description }`: what every route answers a failed request with (error-answer.ts). */
export function errorBody(description: string) {
  return Type.Object(
    {
      error: Type.String({ description: 'stable snake_case code', examples: ['invalid_request'] }),
      error_description: Type.String({ description: 'what went wrong, for a person' }),
    },
    { additionalProperties: false, description },
  );
}

/** An HTML page: what a browser gets from the sign-in pages, and for an error when it prefers HTML. */
export const HtmlPage = Type.String({ description: 'an HTML page' });

/** A page for a browser or, for any other client, the JSON error body (error-answer.ts decides by `Accept`). */
export function pageOrError(description: string) {
  return {
    description,
    content: {
      'text/html': { schema: HtmlPage },
      'application/json': { schema: errorBody(description) },
    },
  };
}

/** Error responses by status, each the JSON error body with what the status means here. */
export function errorResponses<Statuses extends Record<number, string>>(statuses: Statuses): { [Status in keyof Statuses]: ReturnType<typeof errorBody> } {
  return Object.fromEntries(Object.entries(statuses).map(([status, description]) => [status, errorBody(description)])) as {
    [Status in keyof Statuses]: ReturnType<typeof errorBody>;
  };
}

/**
 * A tenant id in a path. Only its type is declared here: what makes an id valid (syntax, reserved
 * words) is judged in one place, platform/tenant-id.ts, and answered with `invalid_tenant_id`.
 */
export const TenantId = Type.String({ description: 'tenant id: 3 to 40 lowercase letters, digits and single hyphens', examples: ['acme'] });

/**
 * `/t/:tenant/…`: every route of one tenant. Params come from the route's own path, never from
 * the client, so the object stays open: the provider mount's wildcard adds a `*` param.
 */
export const TenantParams = Type.Object({ tenant: TenantId });

/** The most items one page holds, and how many a request without `limit` gets. */
export const PAGE_LIMIT = { max: 500, default: 100 } as const;

/** A page of a list: `limit` items after the opaque `cursor` of the previous page's `next_cursor`. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT.max, description: `items per page (default ${PAGE_LIMIT.default})` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' })),
};

/** Where the next page starts, or null on the last page. */
export const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'cursor of the next page; null on the last one' });
