import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import type { CommandContext, CommandSpec, ParsedOptions } from '../../src/cli/command.ts';
import { clientCreateCommand, clientDeleteCommand, clientListCommand } from '../../src/cli/commands/client.ts';
import { apiCreateCommand, apiListCommand } from '../../src/cli/commands/api.ts';

let bed: OidcTestBed;
let tenant: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('cli'));
});
afterAll(async () => {
  await bed?.close();
});

async function run(command: CommandSpec, args: string[], options: ParsedOptions = {}) {
  command.validate?.({ args, options });
  const context: CommandContext = { platform: bed.platform, args, options, json: true, interactive: false, stderr: new PassThrough() };
  return command.run(context);
}

describe('tansu client / api commands', () => {
  it('create an API and a confidential client whose printed secret works once at the token endpoint', async () => {
    const api = await run(apiCreateCommand, [tenant.id], { identifier: 'https://api.cli.test', scopes: ['a', 'b'], default: true });
    expect(api.data).toMatchObject({ identifier: 'https://api.cli.test', scopes: ['a', 'b'], is_default: true });

    const created = await run(clientCreateCommand, [tenant.id], { name: 'backend', type: 'confidential', grant: ['client_credentials'], resource: ['https://api.cli.test'] });
    const client = created.data as { client_id: string; client_secret: string };
    expect(created.text).toContain('shown once');
    expect(JSON.stringify(created.data)).not.toContain('secret_hash');

    const wrong = await fetch(`${tenant.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret.toUpperCase() }),
    });
    expect(wrong.status).toBe(401);
    const basic = await fetch(`${tenant.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a' }),
    });
    expect(basic.status).toBe(200);

    const listed = await run(clientListCommand, [tenant.id]);
    expect((listed.data as { client_id: string }[]).map((c) => c.client_id)).toContain(client.client_id);
    expect(listed.text).toContain('backend');
    expect((await run(apiListCommand, [tenant.id])).text).toContain('https://api.cli.test');

    await run(clientDeleteCommand, [tenant.id, client.client_id]);
    await expect(run(clientDeleteCommand, [tenant.id, client.client_id])).rejects.toMatchObject({ code: 'client_not_found' });
  });

  it('register a client for the opt-in password grant', async () => {
    const created = await run(clientCreateCommand, [tenant.id], { name: 'legacy', type: 'confidential', grant: ['password'] });
    const client = created.data as { client_id: string; client_secret: string; grant_types: string[] };
    expect(client.grant_types).toEqual(['password']);
    const response = await fetch(`${tenant.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'password', username: tenant.adminEmail, password: tenant.adminPassword, scope: 'openid' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('id_token');
  });

  it('refuse bad input with clear errors', async () => {
    await expect(run(clientCreateCommand, [tenant.id], { name: 'x', type: 'secret' })).rejects.toMatchObject({ code: 'usage' });
    await expect(run(clientCreateCommand, [tenant.id], { name: 'spa', type: 'public' })).rejects.toMatchObject({ code: 'invalid_redirect_uri' });
    await expect(run(clientCreateCommand, [tenant.id], { name: 'spa', type: 'public', 'redirect-uri': ['https://app.test/cb#frag'] })).rejects.toMatchObject({ code: 'invalid_redirect_uri' });
    await expect(run(clientCreateCommand, [tenant.id], { name: 'svc', type: 'confidential', resource: ['https://nope.test'] })).rejects.toMatchObject({ code: 'api_not_found' });
    await expect(run(apiCreateCommand, [tenant.id], { identifier: 'not a uri' })).rejects.toMatchObject({ code: 'invalid_resource' });
    await expect(run(apiCreateCommand, [tenant.id], { identifier: 'https://api.cli.test' })).rejects.toMatchObject({ code: 'api_exists' });
    await expect(run(apiCreateCommand, [tenant.id], { identifier: 'https://x.test', scopes: ['openid'] })).rejects.toMatchObject({ code: 'invalid_scope' });
    await expect(run(clientListCommand, ['nosuch-tenant'])).rejects.toMatchObject({ code: 'tenant_not_found' });
  });
});
