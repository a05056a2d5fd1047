import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { eventually } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { ROTATION_POLICY_SETTING } from '../../src/modules/keys/key-rotation.ts';

let bed: OidcTestBed;
let tenant: TestTenant;
let env: Record<string, string>;

beforeAll(async () => {
  bed = await startOidcTestBed();
  tenant = await createTestTenant(bed, uniqueTenantId('clik'));
  env = cliEnv(bed.platform.config);
});
afterAll(async () => {
  await bed?.close();
});

const tansu = (...args: string[]) => runTansu(args, env);
const DAY_MS = 86_400_000;

interface ListedKey {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retired';
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  unpublish_at: string | null;
  published: boolean;
}

async function listKeys(): Promise<{ policy: { rotate_every_days: number; grace_days: number }; keys: ListedKey[] }> {
  const run = await tansu('keys', 'list', tenant.id, '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

const byState = (keys: ListedKey[], state: ListedKey['state']) => keys.filter((k) => k.state === state);
const jwksKids = async () => ((await (await fetch(`${tenant.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();


describe('tansu keys list / rotate', () => {
  it('lists the active and next keys with their dates, rotates so the next key signs, and the JWKS follows', async () => {
    const before = await listKeys();
    expect(before.policy).toEqual({ rotate_every_days: 30, grace_days: 7 });
    expect(before.keys).toHaveLength(2);
    const [active] = byState(before.keys, 'active');
    const [next] = byState(before.keys, 'next');
    expect(active).toMatchObject({ alg: 'RS256', published: true, retired_at: null, unpublish_at: null });
    expect(next).toMatchObject({ alg: 'RS256', published: true, activated_at: null, retired_at: null });
    for (const date of [active!.created_at, active!.activated_at!, next!.created_at]) expect(Number.isNaN(Date.parse(date))).toBe(false);
    expect(await jwksKids()).toEqual([active!.kid, next!.kid].sort());

    const table = await tansu('keys', 'list', tenant.id);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^KID\s+ALG\s+STATE\s+CREATED\s+ACTIVATED\s+RETIRED\s+UNPUBLISH$/);
    expect(table.stdout).toMatch(new RegExp(`^${active!.kid}\\s+RS256\\s+active\\s+\\S+Z\\s+\\S+Z\\s+-\\s+-$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${next!.kid}\\s+RS256\\s+next\\s+\\S+Z\\s+-\\s+-\\s+-$`, 'm'));
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('rotate every 30 days, retired keys stay published 7 days');

    const rotated = await tansu('keys', 'rotate', tenant.id);
    expect(rotated.code, rotated.stderr).toBe(0);
    const [, activated, newNext, retired] = /^active (\S+); next (\S+); retired (\S+) \(published until \S+Z\)\n$/.exec(rotated.stdout) ?? [];
    expect(activated).toBe(next!.kid);
    expect(retired).toBe(active!.kid);

    const after = await listKeys();
    expect(after.keys).toHaveLength(3);
    expect(byState(after.keys, 'active').map((k) => k.kid)).toEqual([next!.kid]);
    expect(byState(after.keys, 'next').map((k) => k.kid)).toEqual([newNext]);
    const [old] = byState(after.keys, 'retired');
    expect(old).toMatchObject({ kid: active!.kid, published: true });
    // The tenant's default grace: published seven more days.
    expect(Date.parse(old!.unpublish_at!) - Date.parse(old!.retired_at!)).toBeCloseTo(7 * DAY_MS, -4);

    const rows = await tenant.db.selectFrom('signing_keys').select(['kid', 'state']).execute();
    expect(Object.fromEntries(rows.map((r) => [r.kid, r.state]))).toEqual({ [active!.kid]: 'retired', [next!.kid]: 'active', [newNext!]: 'next' });
    // The node serving the tenant rebuilds its provider on the change the CLI announced.
    await eventually(async () => (await jwksKids()).includes(newNext!));
    expect(await jwksKids()).toEqual([active!.kid, next!.kid, newNext!].sort());
  });

  it('rotates with --grace-days and --json, reporting the keys it moved', async () => {
    const before = await listKeys();
    const run = await tansu('keys', 'rotate', tenant.id, '--grace-days', '1', '--json');
    expect(run.code, run.stderr).toBe(0);
    const outcome = JSON.parse(run.stdout) as { activated: string; retired: string; next: string; unpublish_at: string };
    expect(outcome.activated).toBe(byState(before.keys, 'next')[0]!.kid);
    expect(outcome.retired).toBe(byState(before.keys, 'active')[0]!.kid);
    expect(before.keys.map((k) => k.kid)).not.toContain(outcome.next);
    expect(Date.parse(outcome.unpublish_at) - Date.now()).toBeGreaterThan(DAY_MS - 60_000);
    expect(Date.parse(outcome.unpublish_at) - Date.now()).toBeLessThan(DAY_MS + 60_000);
    const retired = (await listKeys()).keys.find((k) => k.kid === outcome.retired)!;
    expect(retired).toMatchObject({ state: 'retired', unpublish_at: outcome.unpublish_at });
  });

  it('refuses a bad --grace-days (exit 2) without rotating', async () => {
    const before = await tenant.db.selectFrom('signing_keys').select(['kid', 'state']).orderBy('kid').execute();
    const run = await tansu('keys', 'rotate', tenant.id, '--grace-days', 'forever');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('tansu: --grace-days must be a number of days from 0 to 3650, got "forever" (usage)\n');
    expect(await tenant.db.selectFrom('signing_keys').select(['kid', 'state']).orderBy('kid').execute()).toEqual(before);
  });

  it('answers an unknown tenant with exit 1', async () => {
    for (const args of [['keys', 'list', 'nosuch-tenant'], ['keys', 'rotate', 'nosuch-tenant']]) {
      const run = await tansu(...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('tansu: tenant "nosuch-tenant" does not exist (tenant_not_found)\n');
    }
  });
});

describe('tansu keys policy', () => {
  const storedPolicy = async () =>
    (await tenant.db.selectFrom('settings').select('value').where('key', '=', ROTATION_POLICY_SETTING).executeTakeFirst())?.value;

  it('sets the rotation schedule, stores it, and keys list reports it', async () => {
    const run = await tansu('keys', 'policy', tenant.id, '--rotate-every-days', '10', '--grace-days', '2', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ rotate_every_days: 10, grace_days: 2 });
    expect(await storedPolicy()).toEqual({ rotateEveryDays: 10, graceDays: 2 });
    expect((await listKeys()).policy).toEqual({ rotate_every_days: 10, grace_days: 2 });

    const human = await tansu('keys', 'policy', tenant.id, '--grace-days', '3');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe('rotate every 10 days, retired keys stay published 3 days\n');
    expect(await storedPolicy()).toEqual({ rotateEveryDays: 10, graceDays: 3 });
  });

  // Every refusal names the flag as it was typed, never the policy's field inside the service.
  it.each([
    [['--rotate-every-days', '0'], '--rotate-every-days must be a number of days from 1 to 3650, got "0"'],
    [['--grace-days', '4000'], '--grace-days must be a number of days from 0 to 3650, got "4000"'],
    [['--rotate-every-days', 'weekly'], '--rotate-every-days must be a number of days from 1 to 3650, got "weekly"'],
    [['--grace-days', '-1'], '--grace-days must be a number of days from 0 to 3650, got "-1"'],
    [[], 'give --rotate-every-days and/or --grace-days'],
  ])('refuses the policy %j with exit 2 and keeps the stored one', async (options, message) => {
    const before = await storedPolicy();
    const run = await tansu('keys', 'policy', tenant.id, ...options);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`tansu: ${message} (usage)\n`);
    expect(await storedPolicy()).toEqual(before);
  });
});
