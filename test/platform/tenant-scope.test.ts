import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startUsersTestBed, type UsersTestBed } from '../support/users.ts';
import { uniqueTenantId } from '../support/platform.ts';
import { eventually } from '../support/eventually.ts';
import { withTenantScope } from '../../src/platform/tenant-access.ts';
import { actorText, CLI_ACTOR, PLATFORM_ACTOR, SCHEDULE_ACTOR, signupActor, type Actor, type TenantScope } from '../../src/platform/tenant-scope.ts';
import { listenForTenantChanges, type TenantChange } from '../../src/platform/notifications.ts';
import { tenantRoleName } from '../../src/platform/tenant-id.ts';
import { buildTenantContext } from '../../src/tenancy/tenant-context.ts';
import { createUser } from '../../src/modules/users/users.service.ts';
import { updateTenantSettings } from '../../src/modules/settings/settings.service.ts';

let bed: UsersTestBed;
let acme: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  acme = await bed.tenant('scope');
});
afterAll(async () => {
  await bed?.close();
});

/** Runs `work`, then waits for `count` notifications about the tenants `ids` (in the order sent: one session hears them). */
async function announcedBy(ids: string[], count: number, work: () => Promise<unknown>): Promise<TenantChange[]> {
  const changes: TenantChange[] = [];
  const listener = listenForTenantChanges(bed.platform.platformUrl, (change) => ids.includes(change.tenant) && changes.push(change), () => {}, bed.platform.log);
  try {
    await listener.ready;
    await work();
    await eventually(() => changes.length >= count, 'the tenant change notifications');
    return changes;
  } finally {
    await listener.close();
  }
}

describe('withTenantScope', () => {
  it("gives the tenant's id and a pool logged in as the tenant's own role", async () => {
    const seen = await withTenantScope(bed.platform, acme.id, async (scope) => ({
      id: scope.id,
      user: (await sql<{ name: string }>`SELECT current_user AS name`.execute(scope.db)).rows[0]!.name,
    }));
    expect(seen).toEqual({ id: acme.id, user: tenantRoleName(acme.id) });
  });

  it('refuses an unknown tenant and a malformed id before opening anything', async () => {
    await expect(withTenantScope(bed.platform, uniqueTenantId('ghost'), async () => 'ran')).rejects.toMatchObject({ code: 'tenant_not_found', status: 404 });
    await expect(withTenantScope(bed.platform, 'Not An Id', async () => 'ran')).rejects.toMatchObject({ code: 'invalid_tenant_id', status: 400 });
  });
});

describe('announce', () => {
  it("publishes the scope's tenant and the kind of change, and nothing about another tenant", async () => {
    const other = await bed.tenant('scope');
    const changes = await announcedBy([acme.id, other.id], 3, async () => {
      await withTenantScope(bed.platform, acme.id, async (scope) => {
        await scope.announce('clients');
        await scope.announce('keys');
      });
      await other.announce('updated');
    });
    expect(changes).toEqual([
      { tenant: acme.id, kind: 'clients' },
      { tenant: acme.id, kind: 'keys' },
      { tenant: other.id, kind: 'updated' },
    ]);
  });

  it("is what a request's tenant context announces with, on the context's own pool", async () => {
    const context = await buildTenantContext(bed.platform, acme.id);
    try {
      expect(context.scope.id).toBe(context.id);
      expect(context.scope.db).toBe(context.db);
      const changes = await announcedBy([acme.id], 1, () => context.scope.announce('clients'));
      expect(changes).toEqual([{ tenant: acme.id, kind: 'clients' }]);
    } finally {
      await context.close();
    }
  });
});

describe('actors in the audit log', () => {
  it.each<[Actor, string]>([
    [CLI_ACTOR, 'cli'],
    [SCHEDULE_ACTOR, 'schedule'],
    [PLATFORM_ACTOR, 'platform'],
    [signupActor('192.0.2.1'), 'signup'],
    [{ type: 'user', id: '7d4c3f1e-0000-4000-8000-000000000001' }, 'user:7d4c3f1e-0000-4000-8000-000000000001'],
    [{ type: 'client', id: 'backend-svc' }, 'client:backend-svc'],
  ])('%o is written as %s', (actor, text) => {
    expect(actorText(actor)).toBe(text);
  });

  const lastAudit = (scope: TenantScope, action: string) =>
    scope.db.selectFrom('audit_events').select(['actor', 'ip']).where('action', '=', action).orderBy('occurred_at', 'desc').limit(1).executeTakeFirstOrThrow();

  it('records who acted and, for a request, from where', async () => {
    const tenant = await bed.tenant('scope');
    await createUser(tenant, { email: 'by-cli@example.test' }, CLI_ACTOR);
    expect(await lastAudit(tenant, 'user.created')).toEqual({ actor: 'cli', ip: null });

    await updateTenantSettings(tenant, { signup: 'open' }, { type: 'user', id: 'admin-1', ip: '203.0.113.9' });
    expect(await lastAudit(tenant, 'settings.updated')).toEqual({ actor: 'user:admin-1', ip: '203.0.113.9' });

    // Through HTTP: the request's tenant context hands the signup service its scope.
    const response = await bed.app.inject({
      method: 'POST',
      url: `/t/${tenant.id}/api/auth/signup`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'newcomer@example.test', password: 'newcomer password 1' }),
      remoteAddress: '198.51.100.77',
    });
    expect(response.statusCode).toBe(202);
    expect(await lastAudit(tenant, 'user.signed_up')).toEqual({ actor: 'signup', ip: '198.51.100.77' });
  });
});
