import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@hey-api/openapi-ts';
import { operationsOf, type OpenApiDocument } from '../../src/routes/openapi/openapi-document.ts';

/**
 * TypeScript types of an admin API generated from its OpenAPI document by @hey-api/openapi-ts
 * (its `@hey-api/typescript` plugin: each operation's request as `<OperationId>Data`, its
 * answers as `<OperationId>Responses` and `<OperationId>Errors`), followed by one interface of
 * our own, `Operations`, naming each operation's request type by operationId: the call tables
 * of the contract test are typed by it (test/support/openapi.ts, CallTable), so `npm run
 * typecheck` refuses a call whose input the document does not allow.
 *
 * The document's servers are replaced by `server` first: a test bed's document names its own
 * port and tenant, and the types must not change from one run to the next.
 */
export async function generateApiTypes(document: OpenApiDocument, server: string): Promise<string> {
  const input = { ...structuredClone(document), servers: [{ url: server }] };
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tansu-openapi-types-'));
  try {
    await createClient({ input: input as never, output: { path: dir }, plugins: ['@hey-api/typescript'], logs: { level: 'silent' } });
    const types = await fs.promises.readFile(path.join(dir, 'types.gen.ts'), 'utf8');
    return `${types}${operationsInterface(document)}`;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** `getUsersByUserId` → `GetUsersByUserIdData`, the generator's name for the operation's request. */
const requestTypeOf = (operationId: string) => `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Data`;

function operationsInterface(document: OpenApiDocument): string {
  const ids = operationsOf(document)
    .map(({ operation }) => operation.operationId)
    .sort();
  const lines = ids.map((id) => `    ${id}: ${requestTypeOf(id)};`);
  return `\n/** Each operation's request type by operationId (added by test/support/openapi-types.ts, not by the generator). */\nexport interface Operations {\n${lines.join('\n')}\n}\n`;
}
