import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import createClient, { type Middleware } from 'openapi-fetch';
import { operationsOf, type HttpMethod, type JsonSchema, type OpenApiDocument, type OpenApiOperation } from '../../src/routes/openapi/openapi-document.ts';

/**
 * An admin API as its OpenAPI document describes it, to test the service against: a client that
 * calls operations by operationId through openapi-fetch, with the URL built from the document's
 * server and path template, and every answer (status, content type, body) checked against the
 * document. Other tests that call an admin API by hand can check their answers with
 * `checkAnswer` (or pass `contract.fetch` where they would pass `fetch`).
 *
 * The client checks at run time, with ajv, against the document the running service serves.
 * The input of the contract test's calls is also checked at compile time: its call tables are
 * typed (CallTable) by types generated from the same documents with @hey-api/openapi-ts
 * (test/support/openapi-types.ts, test/routes/openapi/generated/), and the contract test fails
 * when those generated files are no longer what the documents make.
 */

/** Input for one call, checked against the document before it is sent. */
export interface CallInput {
  /** Path params, by name, for the operation's path template. */
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  /** Extra headers, such as If-Match; a `content-type` other than JSON sends `body` as it is (a string or bytes). */
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <token>`; none when undefined. */
  token?: string;
}

/** A call a test plans: valid input, and the status it must answer when that is not a 2xx. */
export interface PlannedCall extends Omit<CallInput, 'token'> {
  status?: number;
}

/** One part of a typed call: absent where the operation has none, required where the document requires it. */
type Part<Name extends string, T> = [Exclude<T, undefined>] extends [never]
  ? { [K in Name]?: never }
  : undefined extends T
    ? { [K in Name]?: Exclude<T, undefined> }
    : { [K in Name]: T };

/**
 * A PlannedCall whose params, query and body are those of one operation's request type as
 * @hey-api/openapi-ts generates it from the document (`{ path?, query?, body? }`, see
 * test/support/openapi-types.ts): a call that breaks the document fails `npm run typecheck`.
 */
export type TypedCall<Request extends { path?: unknown; query?: unknown; body?: unknown }> = Omit<PlannedCall, 'params' | 'query' | 'body'> &
  Part<'params', Request['path']> &
  Part<'query', Request['query']> &
  Part<'body', Request['body']>;

/** One entry per operation of a document's `Operations` interface, each planning a call typed by its request. */
export type CallTable<Operations, Context> = {
  [Id in keyof Operations]: (context: Context) => CallOf<Operations[Id]> | Promise<CallOf<Operations[Id]>>;
};
type CallOf<Request> = Request extends { path?: unknown; query?: unknown; body?: unknown } ? TypedCall<Request> : never;

/** A call table as the contract test walks it: by the operationIds the document names at run time. */
export function plannedCalls<Context>(table: object): Record<string, (context: Context) => PlannedCall | Promise<PlannedCall>> {
  return table as Record<string, (context: Context) => PlannedCall | Promise<PlannedCall>>;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, the text of another media type, or undefined for no body. */
  body: unknown;
}

export interface Located {
  operationId: string;
  method: HttpMethod;
  path: string;
  operation: OpenApiOperation;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

function pathPattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export class ApiContract {
  readonly document: OpenApiDocument;
  /** Absolute base URL: the document's first server, resolved against where the document was fetched. */
  readonly baseUrl: string;
  private readonly operations: Located[];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new WeakMap<JsonSchema, ValidateFunction>();

  constructor(document: OpenApiDocument, documentUrl: string) {
    this.document = document;
    this.baseUrl = new URL(document.servers?.[0]?.url ?? '/', documentUrl).href.replace(/\/$/, '');
    this.operations = operationsOf(document).map(({ method, path, operation }) => ({ operationId: operation.operationId, method, path, operation }));
    addFormats.default(this.ajv);
  }

  /** Every operationId of the document, in document order. */
  get operationIds(): string[] {
    return this.operations.map((located) => located.operationId);
  }

  operation(operationId: string): Located {
    const found = this.operations.find((located) => located.operationId === operationId);
    if (!found) throw new ContractViolation(`the document has no operation "${operationId}"`);
    return found;
  }

  /** The scopes an operation's security requirement names (OAuth2 scopes; none for a plain bearer token). */
  scopesOf(operationId: string): string[] {
    const { operation } = this.operation(operationId);
    return (operation.security ?? this.document.security ?? []).flatMap((requirement) => Object.values(requirement).flat());
  }

  /**
   * Compiles a schema of the document (the OpenAPI 3.1 dialect is JSON Schema 2020-12; ajv checks
   * the schema itself against that meta-schema first). Its `#/components/...` references resolve
   * against the document's components.
   */
  validatorOf(schema: JsonSchema): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.validators.set(schema, validate);
    }
    return validate;
  }

  private problems(schema: JsonSchema, value: unknown, where: string): string[] {
    const validate = this.validatorOf(schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${where}${error.instancePath} ${error.message ?? 'is invalid'}`);
  }

  /** Refuses input the document does not allow: a test must exercise the API as documented. */
  checkInput({ operationId, operation }: Located, input: CallInput): void {
    const problems: string[] = [];
    for (const location of ['path', 'query'] as const) {
      const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === location);
      const given = (location === 'path' ? input.params : input.query) ?? {};
      for (const name of Object.keys(given)) {
        if (!declared.some((parameter) => parameter.name === name)) problems.push(`${location} param "${name}" is not documented`);
      }
      for (const parameter of declared) {
        const value = given[parameter.name];
        if (value === undefined) {
          if (parameter.required) problems.push(`${location} param "${parameter.name}" is required`);
          continue;
        }
        problems.push(...this.problems(parameter.schema ?? {}, value, `${location}.${parameter.name}`));
      }
    }
    const mediaType = mediaTypeOf(input);
    const media = operation.requestBody?.content[mediaType];
    if (input.body !== undefined && !operation.requestBody) problems.push('the operation documents no body');
    else if (input.body !== undefined && !media) problems.push(`a body of type "${mediaType}" is not documented`);
    if (input.body === undefined && operation.requestBody?.required) problems.push('the operation requires a body');
    if (input.body !== undefined && media?.schema && mediaType.endsWith('json')) problems.push(...this.problems(media.schema, input.body, 'body'));
    if (problems.length > 0) throw new ContractViolation(`${operationId}: the test's input breaks the document: ${problems.join('; ')}`);
  }

  /** Finds the operation a request is for, by method and URL, as a router would. */
  locate(method: string, url: string): Located | undefined {
    const { pathname } = new URL(url, this.baseUrl);
    const basePath = new URL(this.baseUrl).pathname.replace(/\/$/, '');
    if (!pathname.startsWith(basePath)) return undefined;
    const path = pathname.slice(basePath.length) || '/';
    const candidates = this.operations.filter((located) => located.method === method.toLowerCase() && pathPattern(located.path).test(path));
    // A static segment beats a parameter, as in Fastify's router: the template with fewer parameters wins.
    return candidates.sort((a, b) => a.path.split('{').length - b.path.split('{').length)[0];
  }

  /** Throws a ContractViolation naming every way an answer differs from what the document declares for it. */
  checkAnswer({ operationId, operation }: Located, answer: Answer): void {
    const status = String(answer.status);
    const declared = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    const at = `${operationId} answered ${status}`;
    if (!declared) throw new ContractViolation(`${at}, a status the document does not declare (it declares ${Object.keys(operation.responses).join(', ')})`);
    if (!declared.content) {
      if (answer.body !== undefined && answer.body !== '') throw new ContractViolation(`${at} with a body, where the document declares none`);
      return;
    }
    const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = declared.content[mediaType];
    if (!media) throw new ContractViolation(`${at} as "${mediaType}", where the document declares ${Object.keys(declared.content).join(', ')}`);
    const problems = media.schema ? this.problems(media.schema, answer.body, 'body') : [];
    if (problems.length > 0) throw new ContractViolation(`${at} with a body that breaks its schema: ${problems.join('; ')}\n${JSON.stringify(answer.body)}`);
  }

  /** openapi-fetch middleware: checks each answer against the operation the request was for. */
  readonly middleware: Middleware = {
    onResponse: async ({ request, response }) => {
      const located = this.locate(request.method, request.url);
      if (!located) throw new ContractViolation(`${request.method} ${request.url} is no operation of the document`);
      this.checkAnswer(located, await readAnswer(response.clone()));
      return undefined;
    },
  };

  /** A fetch that checks every answer: for tests that call the API by hand. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const located = this.locate(request.method, request.url);
    if (!located) throw new ContractViolation(`${request.method} ${request.url} is no operation of the document`);
    this.checkAnswer(located, await readAnswer(response.clone()));
    return response;
  };

  private readonly client = createClient({ baseUrl: '' });

  /** Calls an operation by its operationId with input checked against the document; the answer is checked too. */
  async call(operationId: string, input: CallInput = {}): Promise<Answer> {
    const located = this.operation(operationId);
    this.checkInput(located, input);
    let answer: Answer | undefined;
    // openapi-fetch reads an error body itself: the answer is read from a copy, before it does.
    const capture: Middleware = {
      onResponse: async ({ response }) => {
        answer = await readAnswer(response.clone());
        this.checkAnswer(located, answer);
        return undefined;
      },
    };
    await this.client.request(located.method, located.path as never, {
      baseUrl: this.baseUrl,
      params: { path: input.params ?? {}, query: input.query ?? {} },
      ...(input.body !== undefined && { body: input.body }),
      // Any other media type (a backup to restore) is sent as given, with the test's Content-Type.
      ...(!mediaTypeOf(input).endsWith('json') && { bodySerializer: (body: unknown) => body }),
      headers: { ...input.headers, ...(input.token !== undefined && { authorization: `Bearer ${input.token}` }) },
      middleware: [capture],
      parseAs: 'text',
    } as never);
    return answer!;
  }
}

function mediaTypeOf(input: CallInput): string {
  const header = Object.entries(input.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  return (header ?? 'application/json').split(';')[0]!.trim();
}

async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : json ? JSON.parse(text) : text };
}

/** Fetches a document from the running service and wraps it. */
export async function loadContract(documentUrl: string): Promise<ApiContract> {
  const response = await fetch(documentUrl);
  if (response.status !== 200) throw new Error(`${documentUrl} answered ${response.status}: ${await response.text()}`);
  return new ApiContract((await response.json()) as OpenApiDocument, documentUrl);
}
