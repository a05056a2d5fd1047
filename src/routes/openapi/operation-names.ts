/**
 * Names a route gets in its API's OpenAPI document unless its schema chooses its own
 * (`operationId`, `tags`). Both come from the method and the path after the API's base, which
 * are the API's contract already: they change only when the route does, so a client generated
 * from the document keeps its method names across releases.
 */

function pascal(word: string): string {
  return word
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * `GET /users/:user_id/sessions` → `getUsersByUserIdSessions`: every static segment, and each
 * path parameter as `By<Name>`, so two routes never share a name unless they share method and path.
 */
export function operationIdOf(method: string, resourcePath: string): string {
  const segments = resourcePath.split('/').filter(Boolean);
  return method.toLowerCase() + segments.map((segment) => (segment.startsWith(':') ? `By${pascal(segment.slice(1))}` : pascal(segment))).join('');
}

/** The resource a route belongs to: the first static segment after the API's base (`/users/:id` → `users`). */
export function tagOf(resourcePath: string): string {
  return resourcePath.split('/').find((segment) => segment !== '' && !segment.startsWith(':')) ?? 'api';
}
