import type { FastifyError, FastifySchemaValidationError } from 'fastify';

/** `body`, `querystring`, `params` or `headers`: what Fastify passes the formatter (not exported by name). */
type SchemaErrorDataVar = NonNullable<FastifyError['validationContext']>;

/** How a client names the part of its request: Fastify says `querystring`, people say query. */
const PART: Readonly<Record<SchemaErrorDataVar, string>> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/**
 * Words a schema refusal for the client, naming each offending field (`body.admin_email must be
 * string`, `body.adminEmail is not a known field`, `query.limit must be >= 1`). Fastify turns the
 * Error into a validation error, which error-answer.ts answers as 400 `invalid_request` with
 * this message as the description; its own FST_ERR_VALIDATION code never reaches the client.
 */
export function validationFailure(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  const part = PART[dataVar] ?? dataVar;
  const messages = new Set<string>();
  // A union of constants reports one miss per constant and then the union: say it once, with the choices.
  const allowed = new Map<string, unknown[]>();
  for (const error of errors) {
    if (error.keyword === 'const') allowed.set(error.instancePath, [...(allowed.get(error.instancePath) ?? []), error.params.allowedValue]);
  }
  for (const error of errors) {
    const at = fieldOf(part, error.instancePath);
    if (error.keyword === 'const' || (error.keyword === 'anyOf' && allowed.has(error.instancePath))) {
      messages.add(`${at} must be one of ${allowed.get(error.instancePath)!.map((value) => JSON.stringify(value)).join(', ')}`);
    } else if (error.keyword === 'required') {
      for (const name of listParam(error.params.requiredProperties)) messages.add(`${fieldOf(part, `${error.instancePath}/${name}`)} is required`);
    } else if (error.keyword === 'additionalProperties') {
      for (const name of listParam(error.params.additionalProperties)) messages.add(`${fieldOf(part, `${error.instancePath}/${name}`)} is not a known field`);
    } else if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) {
      // TypeBox's second report of the same unknown field, from the `false` schema it must match.
      messages.add(`${at} is not a known field`);
    } else {
      messages.add(`${at} ${error.message ?? `fails ${error.keyword}`}`);
    }
  }
  return new Error([...messages].join('; ') || `the ${part} is not valid`);
}

/** `body` + `/scopes/0` → `body.scopes.0`; field names are printed as sent, clipped. */
function fieldOf(part: string, instancePath: string): string {
  const segments = instancePath.split('/').slice(1).map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  return [part, ...segments].map((segment) => printable(segment)).join('.');
}

function listParam(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

function printable(text: string): string {
  const clipped = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}
