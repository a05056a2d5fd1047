/** The one JSON style of the service (as OAuth and OIDC write theirs): lowercase snake_case keys. */
export const SNAKE_CASE_KEY = /^[a-z][a-z0-9_]*$/;

/**
 * Every key at every depth of a JSON value that is not snake_case, as a path (`tenant.createdAt`).
 * Values are not judged, only the names of fields.
 */
export function keysNotSnakeCase(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => keysNotSnakeCase(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const at = path ? `${path}.${key}` : key;
    return [...(SNAKE_CASE_KEY.test(key) ? [] : [at]), ...keysNotSnakeCase(inner, at)];
  });
}
