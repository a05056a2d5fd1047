import { escapeHtml } from '../../oidc/pages/layout.ts';
import { operationsOf, type JsonSchema, type OpenApiDocument, type OpenApiOperation, type OpenApiSecurityScheme } from './openapi-document.ts';

/**
 * An API's reference for people, rendered on the server from its OpenAPI document: every
 * operation by tag, with its scope, parameters, body and answers. Plain HTML under the same
 * headers as the sign-in pages (no script at all, never framed): an interactive console such
 * as Swagger UI would run a megabyte of script on the issuer's origin and invite pasting admin
 * tokens into it; the JSON document next to this page serves the tools that want one.
 */

/** Deep enough for any body the APIs declare; a `$ref` cycle stops here instead of recursing. */
const MAX_DEPTH = 6;

function resolve(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return schema;
  return document.components?.schemas?.[ref.slice('#/components/schemas/'.length)] ?? schema;
}

/** `string (date-time)`, `integer ≤ 500`, `"a" | "b"`, `array of object`… in a few words. */
function typeOf(document: OpenApiDocument, raw: JsonSchema): string {
  const schema = resolve(document, raw);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return variants.map((variant) => typeOf(document, variant)).join(' | ');
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const type = [schema.type].flat().filter(Boolean).join(' | ') || 'any';
  if (type === 'array' && schema.items) return `array of ${typeOf(document, schema.items as JsonSchema)}`;
  const limits = [
    schema.format === undefined ? '' : `${schema.format}`,
    schema.minimum === undefined ? '' : `≥ ${schema.minimum}`,
    schema.maximum === undefined ? '' : `≤ ${schema.maximum}`,
    schema.maxLength === undefined ? '' : `≤ ${schema.maxLength} chars`,
  ].filter(Boolean);
  return limits.length > 0 ? `${type} (${limits.join(', ')})` : type;
}

/** The fields of an object (or of the objects a list or a union holds), nested as lists. */
function fieldsOf(document: OpenApiDocument, raw: JsonSchema, depth = 0): string {
  const schema = resolve(document, raw);
  if (depth >= MAX_DEPTH) return '';
  if (schema.type === 'array' && schema.items) return fieldsOf(document, schema.items as JsonSchema, depth);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return variants.map((variant) => fieldsOf(document, variant, depth)).join('');
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return '';
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const items = Object.entries(properties).map(([name, property]) => {
    const description = resolve(document, property).description;
    return `<li><code>${escapeHtml(name)}</code> <span class="type">${escapeHtml(typeOf(document, property))}${required.has(name) ? '' : ', optional'}</span>${
      description ? ` — ${escapeHtml(description)}` : ''
    }${fieldsOf(document, property, depth + 1)}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

function schemeSection(name: string, scheme: OpenApiSecurityScheme): string {
  const parts = [`<h3><code>${escapeHtml(name)}</code>: ${escapeHtml(scheme.type === 'http' ? 'bearer token' : 'OAuth 2.0 access token')}</h3>`];
  if (scheme.description) parts.push(`<p>${escapeHtml(scheme.description)}</p>`);
  if (scheme.type === 'oauth2') {
    for (const [flow, { authorizationUrl, tokenUrl, scopes }] of Object.entries(scheme.flows)) {
      const urls = [authorizationUrl && `authorization endpoint <code>${escapeHtml(authorizationUrl)}</code>`, tokenUrl && `token endpoint <code>${escapeHtml(tokenUrl)}</code>`];
      parts.push(`<p>Flow <code>${escapeHtml(flow)}</code>: ${urls.filter(Boolean).join(', ')}.</p>`);
      if (flow === 'clientCredentials') {
        const rows = Object.entries(scopes).map(([scope, what]) => `<tr><td><code>${escapeHtml(scope)}</code></td><td>${escapeHtml(what)}</td></tr>`);
        parts.push(`<table><caption>Scopes</caption><tr><th>scope</th><th>allows</th></tr>${rows.join('')}</table>`);
      }
    }
  }
  return parts.join('\n');
}

function operationSection(document: OpenApiDocument, method: string, path: string, operation: OpenApiOperation): string {
  const scopes = (operation.security ?? document.security ?? []).flatMap((requirement) => Object.values(requirement).flat());
  const parts = [
    `<section id="${escapeHtml(operation.operationId)}" class="operation">`,
    `<h3><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>`,
    operation.summary ? `<p>${escapeHtml(operation.summary)}</p>` : '',
    operation.description ? `<p>${escapeHtml(operation.description)}</p>` : '',
    `<p class="muted">operationId <code>${escapeHtml(operation.operationId)}</code>; ${
      scopes.length > 0 ? `scope ${scopes.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(' and ')}` : 'any valid token'
    }</p>`,
  ];
  if (operation.parameters?.length) {
    const rows = operation.parameters.map(
      (parameter) =>
        `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${escapeHtml(parameter.in)}</td><td>${escapeHtml(typeOf(document, parameter.schema ?? {}))}${
          parameter.required ? '' : ', optional'
        }</td><td>${escapeHtml(parameter.description ?? (parameter.schema?.description as string | undefined) ?? '')}</td></tr>`,
    );
    parts.push(`<table><caption>Parameters</caption><tr><th>name</th><th>in</th><th>type</th><th>meaning</th></tr>${rows.join('')}</table>`);
  }
  for (const [mediaType, { schema }] of Object.entries(operation.requestBody?.content ?? {})) {
    parts.push(`<h4>Body (<code>${escapeHtml(mediaType)}</code>)</h4>${schema ? fieldsOf(document, schema) : ''}`);
  }
  const answers = Object.entries(operation.responses).map(([status, response]) => {
    const json = response.content?.['application/json']?.schema;
    return `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(response.description)}${json && Number(status) < 400 ? fieldsOf(document, json) : ''}</li>`;
  });
  parts.push(`<h4>Answers</h4><ul>${answers.join('')}</ul>`, '</section>');
  return parts.filter(Boolean).join('\n');
}

/** Inline, allowed by its hash (documented-api.ts). */
export const STYLE = `
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d5dd;padding-bottom:.25rem;margin-top:2.5rem}h3{font-size:1.05rem}
code{font:.92em ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
.method{display:inline-block;min-width:4.2rem;font:700 .8rem ui-monospace,monospace;background:#1f4f85;color:#fff;padding:.1rem .4rem;border-radius:.2rem;text-align:center}
.operation{border-top:1px solid #eceef2;padding-top:.5rem}
table{border-collapse:collapse;margin:.5rem 0}caption{text-align:left;font-weight:600}
td,th{border:1px solid #d0d5dd;padding:.2rem .5rem;text-align:left;vertical-align:top}
.muted,.type{color:#4a5468}
a{color:#1f4f85}
`;

/** The whole page; `documentHref` is where the JSON document is, relative to the page. */
export function referencePage(document: OpenApiDocument, documentHref: string): string {
  const operations = operationsOf(document);
  const tags = (document.tags ?? []).map((tag) => tag.name);
  const byTag = tags.map((tag) => ({ tag, operations: operations.filter(({ operation }) => operation.tags?.includes(tag)) }));
  const contents = byTag.map(
    ({ tag, operations: inTag }) =>
      `<li><a href="#tag-${escapeHtml(tag)}">${escapeHtml(tag)}</a><ul>${inTag
        .map(({ method, path, operation }) => `<li><a href="#${escapeHtml(operation.operationId)}">${escapeHtml(method.toUpperCase())} ${escapeHtml(path)}</a></li>`)
        .join('')}</ul></li>`,
  );
  const server = document.servers?.[0]?.url ?? '/';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(document.info.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(document.info.title)} <span class="muted">${escapeHtml(document.info.version)}</span></h1>
${document.info.description ? `<p>${escapeHtml(document.info.description)}</p>` : ''}
<p>Base URL <code>${escapeHtml(server)}</code>; OpenAPI ${escapeHtml(document.openapi)} document: <a href="${escapeHtml(documentHref)}">${escapeHtml(documentHref)}</a>.</p>
<h2>Authentication</h2>
${Object.entries(document.components?.securitySchemes ?? {})
  .map(([name, scheme]) => schemeSection(name, scheme))
  .join('\n')}
<h2>Operations</h2>
<ul>${contents.join('')}</ul>
${byTag
  .map(
    ({ tag, operations: inTag }) =>
      `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>\n${inTag.map(({ method, path, operation }) => operationSection(document, method, path, operation)).join('\n')}`,
  )
  .join('\n')}
</main>
</body>
</html>`;
}
