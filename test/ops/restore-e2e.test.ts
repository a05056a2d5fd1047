import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { uniqueTenantId } from '../support/platform.ts';
import { pollUntil } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../oidc/support.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { backupTenant } from '../../src/provisioning/backup.ts';
import { restoreTenant } from '../../src/provisioning/restore.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';

let bed: OidcTestBed;
let tenant: TestTenant;
let basic: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-restore-e2e-'));

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('reste2e'));
  const { client, clientSecret } = await createClient(bed.platform, tenant, { name: 'legacy', type: 'confidential', grantTypes: ['password'] });
  basic = Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64');
});
afterAll(async () => {
  await bed?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sign in over HTTP with the (opt-in) password grant; the ID token is a JWT under the tenant's keys. */
async function signIn(password: string): Promise<{ status: number; idToken?: string }> {
  const response = await fetch(`${tenant.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: 'password', username: tenant.adminEmail, password, scope: 'openid' }),
  });
  const body = (await response.json()) as { id_token?: string };
  return { status: response.status, idToken: body.id_token };
}

async function verifies(idToken: string): Promise<boolean> {
  const jwks = (await (await fetch(`${tenant.issuer}/jwks`)).json()) as JSONWebKeySet;
  return jwtVerify(idToken, createLocalJWKSet(jwks), { issuer: tenant.issuer }).then(() => true, () => false);
}

describe('restore over HTTP', () => {
  it('a restored tenant signs its users in with their old passwords, and tokens from before still verify', async () => {
    const before = await signIn(tenant.adminPassword);
    expect(before.status).toBe(200);
    const backup = await backupTenant(bed.platform, tenant.id, { out: path.join(dir, 'tenant.tansu-backup') });

    // After the backup the password changes: the old one stops working.
    await tenant.db.updateTable('users').set({ password_hash: await hashPassword('a completely new password') }).execute();
    expect((await signIn(tenant.adminPassword)).status).toBe(400);

    await restoreTenant(bed.platform, { from: backup.path, force: true });
    const after = await pollUntil(() => signIn(tenant.adminPassword), (r) => r.status === 200);
    expect(after.status).toBe(200);
    expect((await signIn('a completely new password')).status).toBe(400);
    expect(await verifies(before.idToken!)).toBe(true);
    expect(await verifies(after.idToken!)).toBe(true);
  });
});
