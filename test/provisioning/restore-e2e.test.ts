import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { uniqueTenantId } from '../support/platform.ts';
import { pollUntil } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { inviteForTest } from '../support/invitations.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { clusterUrl } from '../support/platform.ts';
import { backupTenant } from '../../src/provisioning/backup.ts';
import { restoreTenant } from '../../src/provisioning/restore.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';
import { TEST_ACTOR } from '../support/scope.ts';

let bed: OidcTestBed;
let tenant: TestTenant;
let basic: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-restore-e2e-'));

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('reste2e'));
  const { client, clientSecret } = await createClient(tenant, { name: 'legacy', type: 'confidential', grantTypes: ['password', 'refresh_token'] }, TEST_ACTOR);
  basic = Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64');
});
afterAll(async () => {
  await bed?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Tokens {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  error?: string;
}

/** A form POST to one of the issuer's endpoints, as the confidential client (its credentials are the same in a copy). */
async function post(issuer: string, endpoint: string, form: Record<string, string>): Promise<{ status: number; body: Tokens & { active?: boolean } }> {
  const response = await fetch(`${issuer}${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Tokens & { active?: boolean } };
}

/** Sign in over HTTP with the (opt-in) password grant; the ID token is a JWT under the tenant's keys. */
async function signIn(password: string, issuer = tenant.issuer, scope = 'openid'): Promise<{ status: number; idToken?: string; tokens: Tokens }> {
  const { status, body } = await post(issuer, '/token', { grant_type: 'password', username: tenant.adminEmail, password, scope });
  return { status, idToken: body.id_token, tokens: body };
}

const jwksOf = async (issuer: string) => (await (await fetch(`${issuer}/jwks`)).json()) as JSONWebKeySet;

async function verifies(idToken: string, issuer = tenant.issuer): Promise<boolean> {
  return jwtVerify(idToken, createLocalJWKSet(await jwksOf(issuer)), { issuer }).then(() => true, () => false);
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

describe('restore --as over HTTP', () => {
  it('makes an independent tenant: the original\'s tokens are dead there, its keys are not published, no invitations or sessions', async () => {
    const issued = await signIn(tenant.adminPassword, tenant.issuer, 'openid offline_access');
    expect(issued.status).toBe(200);
    const { access_token: accessToken, refresh_token: refreshToken } = issued.tokens;
    expect(accessToken).toBeTruthy();
    expect(refreshToken).toBeTruthy();
    // Its mail (with the link) goes into the outbox in the same transaction.
    await inviteForTest(bed.platform, tenant, { email: 'invitee@copy.test' });
    const backup = await backupTenant(bed.platform, tenant.id, { out: path.join(dir, 'for-copy.tansu-backup') });

    const copyId = uniqueTenantId('restcopy');
    await restoreTenant(bed.platform, { from: backup.path, as: copyId });
    const copyIssuer = tenant.issuer.replace(/\/t\/[^/]+$/, `/t/${copyId}`);

    // Users and clients came along: the admin signs in at the copy with the same client and password.
    const atCopy = await signIn(tenant.adminPassword, copyIssuer);
    expect(atCopy.status).toBe(200);
    expect(await verifies(atCopy.idToken!, copyIssuer)).toBe(true);
    expect(await verifies(issued.idToken!, copyIssuer)).toBe(false);

    // The original's opaque access token and refresh token: alive at the original, dead at the copy.
    expect((await post(tenant.issuer, '/token/introspection', { token: accessToken! })).body.active).toBe(true);
    expect((await post(copyIssuer, '/token/introspection', { token: accessToken! })).body).toEqual({ active: false });
    expect((await post(copyIssuer, '/token/introspection', { token: refreshToken! })).body).toEqual({ active: false });
    const refreshAtCopy = await post(copyIssuer, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken! });
    expect([refreshAtCopy.status, refreshAtCopy.body.error]).toEqual([400, 'invalid_grant']);
    const refreshAtOriginal = await post(tenant.issuer, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken! });
    expect(refreshAtOriginal.status).toBe(200);

    // No signing key in common.
    const originalKids = (await jwksOf(tenant.issuer)).keys.map((key) => key.kid);
    const copyKids = (await jwksOf(copyIssuer)).keys.map((key) => key.kid);
    expect(copyKids.length).toBeGreaterThan(0);
    expect(copyKids.filter((kid) => originalKids.includes(kid))).toEqual([]);

    // Nothing of the original's activity in the copy's database (beyond the sign-in just made there).
    const row = (await findTenant(bed.platform.db, copyId))!;
    const copyDb = openTenantDatabase(clusterUrl(), row.database_name, 1);
    try {
      const count = async (table: 'invitations' | 'login_attempts' | 'oidc_payloads' | 'mail_outbox') =>
        Number((await copyDb.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect(await count('invitations')).toBe(0);
      // Unsent mail of the original (its links) is not sent again from the copy.
      expect(await count('mail_outbox')).toBe(0);
      expect(await tenant.db.selectFrom('mail_outbox').selectAll().execute()).toHaveLength(1);
      expect(await tenant.db.selectFrom('invitations').selectAll().execute()).toHaveLength(1);
      const payloads = await copyDb.selectFrom('oidc_payloads').select('id').execute();
      expect(payloads.map((p) => p.id)).not.toContain(accessToken);
      expect(await count('login_attempts')).toBe(1);
    } finally {
      await copyDb.destroy();
    }
  });
});
