import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestPlatform, uniqueTenantId, type TestPlatform } from '../../support/platform.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createTenant } from '../../../src/provisioning/tenants.service.ts';
import { withTenantScope } from '../../../src/platform/tenant-access.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { allPages, type Page, type PageRequest } from '../../../src/db/page.ts';
import { createUser, listUsers } from '../../../src/modules/users/users.service.ts';
import { listInvitations } from '../../../src/modules/users/invitations.service.ts';
import { inviteForTest } from '../../support/invitations.ts';
import { listTenantClients } from '../../../src/modules/clients/clients.service.ts';

let platform: TestPlatform;
let acme: string;
let globex: string;
const inScope = <T>(id: string, work: (scope: TenantScope) => Promise<T>) => withTenantScope(platform, id, work);

/** Every page of a list at `limit` rows each, as returned (the last page says it is the last). */
async function pagesOf<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor === undefined ? { limit } : { cursor, limit });
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

// Mixed case on purpose: stored lowercased, they sort and page as written in lowercase.
const EMAILS = ['dora@example.test', 'Bob@example.test', 'alice@example.test', 'Eve@example.test', 'carol@example.test'];

beforeAll(async () => {
  platform = await openTestPlatform();
  acme = uniqueTenantId('pages');
  globex = uniqueTenantId('pages');
  await Promise.all([createTenant(platform, { id: acme }), createTenant(platform, { id: globex })]);
  await inScope(acme, async (scope) => {
    for (const email of EMAILS) await createUser(scope, { email, password: 'long enough 123' }, TEST_ACTOR);
  });
  await inScope(globex, (scope) => createUser(scope, { email: 'zed@example.test', password: 'long enough 123' }, TEST_ACTOR));
});
afterAll(async () => {
  await platform?.destroy();
});

describe('listUsers pages', () => {
  it('walk every user once, by email, and say when they end', async () => {
    // Every tenant starts with its admin, admin@<id>.localhost.
    const expected = [`admin@${acme}.localhost`, ...EMAILS.map((email) => email.toLowerCase())].sort();
    const pages = await inScope(acme, (scope) => pagesOf((page) => listUsers(scope, page), 4));
    expect(pages.map((page) => page.items.map((user) => user.email))).toEqual([expected.slice(0, 4), expected.slice(4)]);
    expect(pages.map((page) => page.next_cursor === null)).toEqual([false, true]);
    // The CLI's whole list is the same rows in the same order.
    expect(await inScope(acme, (scope) => allPages((page) => listUsers(scope, page)))).toEqual(pages.flatMap((page) => page.items));
  });

  it('end with next_cursor null when the last page is exactly full', async () => {
    const pages = await inScope(acme, (scope) => pagesOf((page) => listUsers(scope, page), 3));
    expect(pages.map((page) => page.items.length)).toEqual([3, 3]);
    expect(pages.map((page) => page.next_cursor === null)).toEqual([false, true]);
  });

  it('keep their place when a user is added before the cursor meanwhile', async () => {
    const id = uniqueTenantId('pages');
    await createTenant(platform, { id });
    await inScope(id, async (scope) => {
      for (const email of ['b@example.test', 'c@example.test', 'd@example.test']) await createUser(scope, { email, password: 'long enough 123' }, TEST_ACTOR);
      const first = await listUsers(scope, { limit: 2 });
      expect(first.items.map((user) => user.email)).toEqual([`admin@${id}.localhost`, 'b@example.test']);
      await createUser(scope, { email: 'a@example.test', password: 'long enough 123' }, TEST_ACTOR);
      const second = await listUsers(scope, { limit: 2, cursor: first.next_cursor! });
      expect(second).toEqual({ items: [expect.objectContaining({ email: 'c@example.test' }), expect.objectContaining({ email: 'd@example.test' })], next_cursor: null });
    });
  });

  it('refuse a malformed cursor, another list\'s cursor and a bad limit with stable codes', async () => {
    await inScope(acme, async (scope) => {
      await expect(listUsers(scope, { limit: 2, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_cursor', status: 400 });
      const clientsCursor = Buffer.from(JSON.stringify(['clients', '2026-12-01T00:00:00.000000Z', 'x'])).toString('base64url');
      await expect(listUsers(scope, { limit: 2, cursor: clientsCursor })).rejects.toMatchObject({ code: 'invalid_cursor' });
      await expect(listTenantClients(scope, { limit: 2, cursor: (await listUsers(scope, { limit: 1 })).next_cursor! })).rejects.toMatchObject({ code: 'invalid_cursor' });
      await expect(listUsers(scope, { limit: 0 })).rejects.toMatchObject({ code: 'invalid_limit', status: 400 });
      await expect(listUsers(scope, { limit: 201 })).rejects.toMatchObject({ code: 'invalid_limit' });
    });
  });

  it('never show another tenant\'s users, whatever cursor they are given', async () => {
    const cursor = (await inScope(acme, (scope) => listUsers(scope, { limit: 1 }))).next_cursor!;
    const atGlobex = await inScope(globex, (scope) => listUsers(scope, { limit: 50, cursor }));
    expect(atGlobex.items.map((user) => user.email)).toContain('zed@example.test');
    expect(atGlobex.items.every((user) => user.email === 'zed@example.test' || user.email === `admin@${globex}.localhost`)).toBe(true);
  });
});

describe('listInvitations pages', () => {
  it('walk invitations created at one instant and a microsecond apart, each once, in order', async () => {
    const id = uniqueTenantId('invpages');
    await createTenant(platform, { id });
    const made = await inScope(id, async (scope) => {
      const emails: string[] = [];
      for (let i = 0; i < 7; i++) emails.push((await inviteForTest(platform, scope, { email: `guest${i}@example.test` })).invitation.email);
      // Three share one instant (the order then falls to the id); the rest lie a microsecond
      // apart, which a JavaScript Date cannot tell apart.
      await sql`UPDATE invitations SET created_at = '2026-12-01T00:00:00.000001Z' WHERE email IN ('guest0@example.test', 'guest1@example.test', 'guest2@example.test')`.execute(scope.db);
      await sql`UPDATE invitations SET created_at = '2026-12-01T00:00:00.000002Z' WHERE email = 'guest3@example.test'`.execute(scope.db);
      await sql`UPDATE invitations SET created_at = '2026-12-01T00:00:00.000003Z' WHERE email = 'guest4@example.test'`.execute(scope.db);
      await sql`UPDATE invitations SET created_at = '2026-12-01T00:00:00.000004Z' WHERE email IN ('guest5@example.test', 'guest6@example.test')`.execute(scope.db);
      return emails;
    });
    const expected = await inScope(id, async (scope) =>
      (await sql<{ email: string }>`SELECT email FROM invitations ORDER BY created_at, id`.execute(scope.db)).rows.map((row) => row.email),
    );
    for (const limit of [1, 2, 3]) {
      const pages = await inScope(id, (scope) => pagesOf((page) => listInvitations(scope, page), limit));
      expect(pages.flatMap((page) => page.items.map((invitation) => invitation.email))).toEqual(expected);
      expect(pages.at(-1)!.next_cursor).toBeNull();
      expect(pages.slice(0, -1).every((page) => page.items.length === limit && page.next_cursor !== null)).toBe(true);
    }
    expect([...expected].sort()).toEqual([...made].sort());
  });

  it('leave out used and expired invitations', async () => {
    const id = uniqueTenantId('invpages');
    await createTenant(platform, { id });
    const listed = await inScope(id, async (scope) => {
      for (const email of ['kept@example.test', 'used@example.test', 'old@example.test']) await inviteForTest(platform, scope, { email });
      await sql`UPDATE invitations SET accepted_at = now() WHERE email = 'used@example.test'`.execute(scope.db);
      await sql`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'old@example.test'`.execute(scope.db);
      return listInvitations(scope, { limit: 10 });
    });
    expect(listed).toEqual({ items: [expect.objectContaining({ email: 'kept@example.test' })], next_cursor: null });
    // Summaries, not rows: neither the token hash nor the cursor's own column leaves the service.
    expect(Object.keys(listed.items[0]!).sort()).toEqual(['createdAt', 'email', 'expiresAt', 'id', 'roles']);
  });
});
