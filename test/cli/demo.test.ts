import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { startOidcTestBed, type OidcTestBed } from '../support/oidc.ts';
import { signIn, startAuthorization, TestBrowser } from '../support/browser.ts';
import { withTenantScope } from '../../src/platform/tenant-access.ts';
import { listTenantClients } from '../../src/modules/clients/clients.service.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import type { Demo } from '../../src/provisioning/demo.ts';
import { allPages } from '../../src/db/page.ts';
import type { DemoView } from '../../src/cli/commands/demo.ts';

/** `tansu demo`, run as a newcomer would, then used: a machine token and a user sign-in. */
let bed: OidcTestBed;
beforeAll(async () => {
  bed = await startOidcTestBed(1);
});
afterAll(async () => {
  await bed?.close();
});

describe('tansu demo', () => {
  it('sets up a tenant that issues tokens and signs its user in, and running it again changes nothing', async () => {
    const id = uniqueTenantId('demo');
    const env = cliEnv(bed.platform.config);
    const first = await runTansu(['demo', '--tenant', id, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const demo = JSON.parse(first.stdout) as DemoView;
    expect(demo.tenant).toMatchObject({ id, created: true, issuer: `${bed.publicUrl}/t/${id}` });
    expect(demo.backend.client_secret).toBeTruthy();
    expect(demo.user.password).toBeTruthy();

    // The curl it prints: a client-credentials token for the demo API.
    const token = await fetch(`${demo.tenant.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${demo.backend.client_id}:${demo.backend.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: demo.api.identifier, scope: demo.api.scopes[0]! }),
    });
    expect(token.status).toBe(200);
    const accessToken = ((await token.json()) as { access_token: string }).access_token;
    expect(JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).aud).toBe(demo.api.identifier);

    // The sign-in examples/login.ts does, with the web client and the user it printed.
    const config = await oidc.discovery(new URL(demo.tenant.issuer), demo.web.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const { url } = await startAuthorization(config, { redirect_uri: demo.web.redirect_uri, scope: 'openid email' });
    const { callback } = await signIn(new TestBrowser(), url, { email: demo.user.email, password: demo.user.password!, redirectUri: demo.web.redirect_uri });
    expect(callback.searchParams.get('code')).toBeTruthy();

    const again = await runTansu(['demo', '--tenant', id], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`demo tenant ${id}: exists`);
    expect(again.stdout).toContain(`backend client ${demo.backend.client_id}`);
    expect(again.stdout).toContain(`web client     ${demo.web.client_id}`);
    expect(again.stdout).toContain('<client_secret>');
    expect(again.stdout).not.toContain(demo.backend.client_secret!);
    expect(again.stdout).not.toContain(demo.user.password!);
    const clients = await withTenantScope(bed.platform, id, (scope) => allPages((page) => listTenantClients(scope, page)));
    expect(clients).toHaveLength(2);
  });

  it('refuses an invalid tenant id before touching anything (exit 2)', async () => {
    const run = await runTansu(['demo', '--tenant', 'Not Valid'], cliEnv(bed.platform.config));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid_tenant_id');
  });
});
