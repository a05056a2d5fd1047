import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { uniqueTenantId } from '../../support/platform.ts';
import { startOidcTestBed, type OidcTestBed } from '../../support/oidc.ts';
import { startSecondCluster, type SecondCluster } from '../../support/second-cluster.ts';
import { chromiumForThisFile, openPage, screenshot, watchPage } from '../../support/chromium.ts';
import { testScope, TEST_ACTOR } from '../../support/scope.ts';
import { databaseUrl } from '../../../src/db/postgres.ts';
import { openTenantDatabase, type TenantDb } from '../../../src/db/tenant-database.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { insertCluster } from '../../../src/platform/clusters.repository.ts';

/**
 * The platform console in a real browser: an operator of the admin tenant signs in through that
 * tenant's own login page and manages tenants over the platform admin API. The admin tenant lives
 * on a second cluster of this file's own (its database name is fixed; the suite's main cluster is
 * shared). Screenshots land in test-results/screenshots/platform-console/.
 */
const browser = chromiumForThisFile();
const SHOTS = 'platform-console';
const TOKEN = crypto.randomBytes(32).toString('base64url');
const OPS_EMAIL = 'ops@platform-console.test';
const OPS_PASSWORD = 'an operator password 1';
// Small enough that a test can send a file over it, large enough for a fresh tenant's backup.
const UPLOAD_LIMIT = 1024 * 1024;

let second: SecondCluster;
let bed: OidcTestBed;
let adminDb: TenantDb | undefined;
let ops: Page;
let opsProblems: string[];
let downloads: string;
let backupFile: string | undefined;

const consoleUrl = (path = '') => `${bed.publicUrl}/admin/console/${path}`;
const registryRow = (id: string) => bed.platform.db.selectFrom('tenants').select(['status', 'cluster']).where('id', '=', id).executeTakeFirst();

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  second = await startSecondCluster();
  bed = await startOidcTestBed(1, { env: { TANSU_ADMIN_TOKEN: TOKEN, RESTORE_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) } });
  downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-console-'));
  await bed.platform.clusters.add('c2', databaseUrl(second.url, 'postgres'));
  ({ page: ops } = await openPage(browser()));
  opsProblems = watchPage(ops);
});
afterAll(async () => {
  await adminDb?.destroy();
  await bed?.close();
  await second?.stop();
  if (downloads) fs.rmSync(downloads, { recursive: true, force: true });
});

describe('before the admin tenant exists', () => {
  it('/admin/console says how to create it', async () => {
    const response = await fetch(consoleUrl());
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('tansu tenant create-admin');
    const redirect = await fetch(`${bed.publicUrl}/admin/console?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/admin/console/?x=1');

    const { context, page } = await openPage(browser());
    await page.goto(consoleUrl());
    await page.getByRole('heading', { level: 1, name: 'The platform has no admin tenant yet' }).waitFor();
    await screenshot(page, SHOTS, 'no-admin-tenant');
    await context.close();
  });
});

describe('an operator', () => {
  beforeAll(async () => {
    const created = await fetch(`${bed.publicUrl}/admin/v1/admin-tenant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cluster: 'c2', admin_email: OPS_EMAIL, admin_password: OPS_PASSWORD }),
    });
    expect(created.status).toBe(201);
    adminDb = openTenantDatabase(second.url, ((await created.json()) as { tenant: { database: string } }).tenant.database, 2);
  });

  it('gets the console page with a strict policy, its entry the platform module', async () => {
    const response = await fetch(consoleUrl());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    const page = await response.text();
    expect(/<script type="module" src="([^"]+)"/.exec(page)![1]).toMatch(/^\/console-assets\/[0-9a-f]{16}\/platform\/main\.js$/);
    const settings = JSON.parse(/data-console="([^"]+)"/.exec(page)![1]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))) as Record<string, unknown>;
    expect(settings).toMatchObject({
      kind: 'platform',
      issuer: `${bed.publicUrl}/t/admin`,
      base: '/admin/console',
      client_id: 'tansu-console',
      redirect_uri: `${bed.publicUrl}/admin/console/callback`,
      resource: `${bed.publicUrl}/t/admin/platform`,
      api: `${bed.publicUrl}/admin/v1`,
      scopes: ['platform:admin'],
    });
  });

  it('signs in through the admin tenant and sees the tenants', async () => {
    await ops.goto(consoleUrl());
    await signIn(ops, OPS_EMAIL, OPS_PASSWORD);
    await ops.getByRole('heading', { level: 1, name: 'Tenants', exact: true }).waitFor();
    await ops.getByRole('link', { name: 'admin', exact: true }).waitFor();
    await screenshot(ops, SHOTS, 'tenants');
    expect(opsProblems).toEqual([]);
  });

  const id = uniqueTenantId('pc');

  it('creates a tenant, its generated password shown once', async () => {
    await ops.getByRole('button', { name: 'Create tenant' }).click();
    const dialog = ops.getByRole('dialog', { name: 'Create a tenant' });
    await dialog.getByLabel('Id').fill(id);
    await dialog.getByLabel('Name').fill('Console-made');
    await dialog.getByLabel("First administrator's email").fill(`boss@${id}.test`);
    await dialog.getByLabel('Cluster').fill('main');
    await dialog.getByRole('button', { name: 'Create tenant' }).click();
    const ready = ops.getByRole('dialog', { name: `Tenant ${id} is ready` });
    await ready.getByRole('button', { name: 'Copy password' }).waitFor();
    await screenshot(ops, SHOTS, 'tenant-created');
    expect(await registryRow(id)).toEqual({ status: 'active', cluster: 'main' });
    // The list behind the dialog was reloaded: the new tenant is in it.
    await ready.getByRole('link', { name: 'Open the tenant' }).click();
    await ops.getByRole('heading', { level: 1, name: `Tenant ${id}` }).waitFor();
    expect(opsProblems).toEqual([]);
  });

  it('suspends and resumes it', async () => {
    await ops.getByRole('button', { name: 'Suspend' }).click();
    await ops.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await registryRow(id))?.status).toBe('suspended');
    expect((await fetch(`${bed.publicUrl}/t/${id}/.well-known/openid-configuration`)).status).toBe(403);
    await screenshot(ops, SHOTS, 'tenant-suspended');
    await ops.getByRole('button', { name: 'Resume' }).click();
    await ops.getByRole('button', { name: 'Suspend' }).waitFor();
    expect((await registryRow(id))?.status).toBe('active');
    expect((await fetch(`${bed.publicUrl}/t/${id}/.well-known/openid-configuration`)).status).toBe(200);
    await screenshot(ops, SHOTS, 'tenant');
    expect(opsProblems).toEqual([]);
  });

  it('downloads its backup, fetched with the operator\'s token', async () => {
    const [download] = await Promise.all([ops.waitForEvent('download', { timeout: 120_000 }), ops.getByRole('button', { name: 'Download backup' }).click()]);
    expect(download.suggestedFilename()).toContain(id);
    // Kept under the name the server gave it: the restore page reads the tenant's id from it.
    backupFile = path.join(downloads, download.suggestedFilename());
    await download.saveAs(backupFile);
    expect(fs.statSync(backupFile).size).toBeGreaterThan(1000);
    expect(fs.statSync(backupFile).size).toBeLessThan(UPLOAD_LIMIT);
    expect(opsProblems).toEqual([]);
  });

  const copy = uniqueTenantId('pc-copy');

  it('uploads that backup on the restore page, showing its progress, and follows the restore job to a copy that serves', async () => {
    await ops.getByRole('link', { name: 'Restore from a backup…' }).click();
    await ops.getByRole('heading', { level: 1, name: 'Restore a tenant' }).waitFor();
    await ops.getByLabel('Backup file').setInputFiles(backupFile!);
    await expect.poll(() => ops.getByLabel('Tenant in the backup').inputValue()).toBe(id);
    await ops.getByLabel('Restore as').fill(copy);
    await ops.getByLabel('Cluster').fill('main');
    await screenshot(ops, SHOTS, 'restore');
    // The upload is slowed to about three seconds (DevTools' network emulation), long enough to see it progress.
    const devtools = await ops.context().newCDPSession(ops);
    await devtools.send('Network.enable');
    const throttle = (uploadThroughput: number) =>
      devtools.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput });
    await throttle(Math.ceil(fs.statSync(backupFile!).size / 3));
    try {
      await ops.getByRole('button', { name: 'Upload and restore' }).click();
      const bar = ops.getByRole('progressbar', { name: 'Upload progress' });
      await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
      await screenshot(ops, SHOTS, 'restore-uploading');
    } finally {
      await throttle(-1);
      await devtools.detach();
    }
    await ops.getByRole('heading', { level: 1, name: 'Restore job' }).waitFor({ timeout: 60_000 });
    await ops.getByRole('main').getByText('succeeded', { exact: true }).first().waitFor({ timeout: 120_000 });
    await screenshot(ops, SHOTS, 'restore-job');
    expect(await registryRow(copy)).toEqual({ status: 'active', cluster: 'main' });
    expect((await fetch(`${bed.publicUrl}/t/${copy}/.well-known/openid-configuration`)).status).toBe(200);
    expect(opsProblems).toEqual([]);
  });

  it('shows the refusal of a file over RESTORE_UPLOAD_MAX_BYTES clearly, and stores nothing', async () => {
    const big = path.join(downloads, `${copy}-20260101T000000Z.tansu-backup`);
    fs.writeFileSync(big, Buffer.alloc(UPLOAD_LIMIT + 1024 * 1024));
    const nav = ops.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Restore', exact: true }).click();
    await ops.getByRole('heading', { level: 1, name: 'Restore a tenant' }).waitFor();
    await ops.getByLabel('Backup file').setInputFiles(big);
    await ops.getByLabel('Replace the tenant if it exists').check();
    await ops.getByRole('button', { name: 'Upload and restore' }).click();
    const alert = ops.getByRole('alert');
    await alert.getByText(/is too large for this server: .*RESTORE_UPLOAD_MAX_BYTES/).waitFor();
    await alert.getByText('(payload_too_large)').waitFor();
    await screenshot(ops, SHOTS, 'restore-too-large');
    // No job was started: the copy is as the previous test left it.
    expect(await registryRow(copy)).toEqual({ status: 'active', cluster: 'main' });
    // The browser reports the refused upload itself; that one is expected here.
    expect(opsProblems.splice(0)).toEqual([expect.stringContaining('413')]);
    await ops.goto(consoleUrl(`tenants/${id}`));
    await ops.getByRole('heading', { level: 1, name: `Tenant ${id}` }).waitFor();
  });

  it('deletes it after a confirmation', async () => {
    await ops.getByRole('button', { name: 'Delete tenant' }).click();
    const dialog = ops.getByRole('dialog', { name: `Delete the tenant ${id}` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await registryRow(id)).toBeDefined();
    await ops.getByRole('button', { name: 'Delete tenant' }).click();
    await screenshot(ops, SHOTS, 'delete-confirmation');
    await dialog.getByRole('button', { name: 'Delete it for good' }).click();
    await ops.getByRole('heading', { level: 1, name: 'Tenants', exact: true }).waitFor();
    expect(await registryRow(id)).toBeUndefined();
    expect(opsProblems).toEqual([]);
  });

  it('lists the clusters, and follows a fleet migration job to its end', async () => {
    const nav = ops.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Clusters', exact: true }).click();
    await ops.getByRole('heading', { level: 1, name: 'Clusters', exact: true }).waitFor();
    await ops.getByRole('cell', { name: 'c2', exact: true }).waitFor();
    await screenshot(ops, SHOTS, 'clusters');

    // Registering a server twice is refused (its system identifier is known): the test has no third server to add.
    await ops.getByRole('button', { name: 'Add cluster' }).click();
    const add = ops.getByRole('dialog', { name: 'Register a cluster' });
    await add.getByLabel('Name').fill('again');
    await add.getByLabel('Superuser URL').fill(databaseUrl(second.url, 'postgres'));
    await add.getByRole('button', { name: 'Add cluster' }).click();
    await add.getByRole('alert').getByText('(cluster_server_exists)').waitFor();
    await screenshot(ops, SHOTS, 'cluster-add-refused');
    expect(opsProblems.splice(0)).toEqual([expect.stringContaining('409')]);
    await add.getByRole('button', { name: 'Close' }).click();
    // An empty cluster, registered as `tansu cluster add` stores one, is removed after a confirmation.
    const url = databaseUrl(second.url, 'postgres');
    await insertCluster(bed.platform.db, { name: 'spare', urlEncrypted: bed.platform.secrets.seal(url, 'cluster:spare'), pooledUrlEncrypted: null });
    await nav.getByRole('link', { name: 'Jobs', exact: true }).click();
    await nav.getByRole('link', { name: 'Clusters', exact: true }).click();
    const spare = ops.getByRole('region', { name: 'Clusters' }).locator('tbody tr', { hasText: 'spare' });
    await spare.getByRole('button', { name: 'Remove' }).click();
    await ops.getByRole('dialog', { name: 'Unregister the cluster spare' }).getByRole('button', { name: 'Unregister it' }).click();
    await ops.getByText('spare is unregistered.').waitFor();
    await spare.waitFor({ state: 'detached' });
    expect(await bed.platform.db.selectFrom('clusters').select('name').where('name', '=', 'spare').executeTakeFirst()).toBeUndefined();

    await nav.getByRole('link', { name: 'Jobs', exact: true }).click();
    await ops.getByRole('heading', { level: 1, name: 'Jobs', exact: true }).waitFor();
    await ops.getByRole('button', { name: 'Migrate the fleet' }).click();
    await ops.getByRole('dialog', { name: 'Migrate every tenant database' }).getByRole('button', { name: 'Migrate the fleet' }).click();
    await ops.getByRole('heading', { level: 1, name: 'Fleet migration job' }).waitFor();
    // Polled until it ends: the page changes by itself, nobody reloads it.
    await ops.getByRole('main').getByText('succeeded', { exact: true }).first().waitFor({ timeout: 120_000 });
    await screenshot(ops, SHOTS, 'job');
    await nav.getByRole('link', { name: 'Jobs', exact: true }).click();
    await ops.getByRole('link', { name: 'Fleet migration' }).waitFor();
    await screenshot(ops, SHOTS, 'jobs');
    expect(opsProblems).toEqual([]);
  });

  it('fits a 375 px phone on the restore and clusters pages, every control labelled', async () => {
    await ops.setViewportSize({ width: 375, height: 812 });
    const fits = () => ops.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    // Every control has a label a screen reader reads out (a <label>, or aria-label where there is no visible one).
    const unlabelled = () =>
      ops.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((control) => (control as HTMLInputElement).labels?.length === 0 && !control.getAttribute('aria-label'))
          .map((control) => control.outerHTML),
      );
    try {
      for (const [path, heading] of [['restore', 'Restore a tenant'], ['clusters', 'Clusters']] as const) {
        await ops.goto(consoleUrl(path));
        await ops.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
        await expect.poll(() => ops.locator('p.loading').count()).toBe(0);
        await expect(fits()).resolves.toBe(true);
        await expect(unlabelled()).resolves.toEqual([]);
        await screenshot(ops, SHOTS, `phone-${path}`);
      }
    } finally {
      await ops.setViewportSize({ width: 1280, height: 860 });
    }
    expect(opsProblems).toEqual([]);
  });

  it("keeps its tokens apart from the admin tenant's own console in the same tab, though both use tansu-console", async () => {
    await ops.goto(`${bed.publicUrl}/t/admin/console/`);
    // Signed in already at the admin tenant's provider: no login page this time.
    await ops.getByRole('heading', { level: 1, name: /^Overview of/ }).waitFor();
    await ops.goto(consoleUrl('clusters'));
    await ops.getByRole('heading', { level: 1, name: 'Clusters', exact: true }).waitFor();
    await ops.getByRole('cell', { name: 'c2', exact: true }).waitFor();
    expect(opsProblems).toEqual([]);
  });
});

describe('a user of the admin tenant without PlatformAdmin', () => {
  it('is told they are not a platform administrator', async () => {
    await createUser(testScope(bed.platform, 'admin', adminDb!), { email: 'viewer@platform-console.test', password: 'a viewer password 123', emailVerified: true }, TEST_ACTOR);
    const { context, page } = await openPage(browser());
    await page.goto(consoleUrl('clusters'));
    await signIn(page, 'viewer@platform-console.test', 'a viewer password 123');
    await page.getByRole('heading', { level: 1, name: 'You are not a platform administrator' }).waitFor();
    await screenshot(page, SHOTS, 'not-a-platform-administrator');
    await context.close();
  });
});
