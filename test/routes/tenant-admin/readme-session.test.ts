import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { adminToken, machineClient, type MachineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser, getUser } from '../../../src/modules/users/users.service.ts';
import { listAuditEvents } from '../../../src/modules/audit/audit.repository.ts';

/**
 * The README's admin API session (a client registered and a user disabled with an admin
 * client's token) runs as written: its shell block is taken from the README and run by bash
 * with curl and jq against a test server, with only the server's address, the tenant and the
 * admin client's credentials put in. The operator's lines before it (`tansu client create`,
 * `tansu client grant-api`) are done here through the services those commands call.
 */
const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
const run = promisify(execFile);

/** The README's one shell block that both registers a client and disables a user. */
function readmeSession(): string {
  const blocks = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  const sessions = blocks.filter((block) => block.includes('/admin/v1/clients') && block.includes('/disable'));
  expect(sessions, 'one README block that creates a client and disables a user').toHaveLength(1);
  return sessions[0]!;
}

let bed: OidcTestBed;
let acme: TestTenant;
let ops: MachineClient;
let adaId: string;

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('readme'));
  ops = await machineClient(acme, 'ops', true);
  adaId = (await createUser(acme, { email: 'ada@acme.test', name: 'Ada Lovelace', roles: ['editor'], password: 'ada password 1234' }, TEST_ACTOR)).user.id;
  // A grant reaches the provider by notification: wait until it issues admin tokens, as the operator would not notice.
  await adminToken(acme, ops, 'users:read');
});
afterAll(async () => {
  await bed?.close();
});

describe('the README admin API session', () => {
  it('registers a client and disables a user, as written, with an admin client token', async () => {
    const script = readmeSession()
      .replaceAll('http://localhost:8080/t/acme', acme.issuer)
      .replaceAll('<client_id>', ops.clientId)
      .replaceAll('<client_secret>', ops.secret);
    expect(script).not.toMatch(/localhost:8080|<client_/);

    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });
    const [created, status, ...rest] = stdout.trim().split('\n');
    expect(rest).toEqual([]);
    const client = JSON.parse(created!) as { client_id: string; client_secret: string };
    expect(client).toEqual({ client_id: expect.any(String), client_secret: expect.any(String) });
    expect(status).toBe('"disabled"');

    expect((await getUser(acme, adaId)).status).toBe('disabled');
    const events = await listAuditEvents(acme.db, { actor: `client:${ops.clientId}` }, { limit: 10 });
    expect(events.items.map((event) => [event.action, event.target])).toEqual([
      ['user.disabled', adaId],
      ['client.created', client.client_id],
    ]);
  });
});
