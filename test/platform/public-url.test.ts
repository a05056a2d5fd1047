import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, type TestPlatform } from '../support/platform.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { readPlatformSetting, writePlatformSetting } from '../../src/platform/platform-settings.repository.ts';
import { publishPublicUrl, storedPublicUrl } from '../../src/platform/public-url.ts';
import { issuerOf } from '../../src/platform/issuer.ts';

/** A logger whose lines land in `lines`, parsed. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ logLevel: 'info', env: 'production' }, sink), lines };
}

describe('platform settings', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await openTestPlatform();
  });
  afterAll(async () => {
    await platform?.destroy();
  });

  it('are undefined until written, and a write answers the value it replaced', async () => {
    expect(await readPlatformSetting(platform.db, 'answer')).toBeUndefined();
    expect(await writePlatformSetting(platform.db, 'answer', { n: 41 })).toBeUndefined();
    expect(await writePlatformSetting(platform.db, 'answer', { n: 42 })).toEqual({ n: 41 });
    expect(await readPlatformSetting(platform.db, 'answer')).toEqual({ n: 42 });
    expect(await readPlatformSetting(platform.db, 'other')).toBeUndefined();
  });

  it('keep the public URL the last server published, warning only when it changes', async () => {
    const { log, lines } = capturingLogger();
    expect(await storedPublicUrl(platform.db)).toBeUndefined();
    await publishPublicUrl(platform.db, 'http://127.0.0.1:18482', log);
    await publishPublicUrl(platform.db, 'http://127.0.0.1:18482', log);
    expect(lines.filter((line) => line.level === 40)).toEqual([]);

    await publishPublicUrl(platform.db, 'https://id.example.test', log);
    expect(await storedPublicUrl(platform.db)).toBe('https://id.example.test');
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ previous: 'http://127.0.0.1:18482', publicUrl: 'https://id.example.test' });
  });
});

describe('openPlatform publicUrl', () => {
  it('is the config until a server publishes, then what the last server published', async () => {
    const config = testConfig({ PUBLIC_URL: 'http://localhost:8080' });
    const setup = await openTestPlatform(config);
    const opened: { close(): Promise<void> }[] = [];
    const open = async (env: Record<string, string>, publicUrl: 'config' | 'publish' | 'stored') => {
      const other = testConfig({ DATABASE_URL: config.databaseUrl!, TANSU_MASTER_KEY: config.masterKey!.toString('base64'), ...env });
      const platform = await openPlatform(other, createLogger(other), { poolMax: 1, publicUrl });
      opened.push(platform);
      return platform;
    };
    try {
      // No server has started: a command prints issuers from its own config, as before.
      expect((await open({}, 'stored')).publicUrl).toBe('http://localhost:8080');
      expect(issuerOf(await open({ PUBLIC_URL: '', PORT: '9999' }, 'stored'), 'acme')).toBe('http://localhost:9999/t/acme');

      const server = await open({ PUBLIC_URL: 'http://127.0.0.1:18482' }, 'publish');
      expect(server.publicUrl).toBe('http://127.0.0.1:18482');
      const command = await open({ PUBLIC_URL: '' }, 'stored');
      expect(issuerOf(command, 'acme')).toBe('http://127.0.0.1:18482/t/acme');
      // Even a PUBLIC_URL of its own does not move what a command prints (cli/main.ts warns instead).
      expect((await open({ PUBLIC_URL: 'http://localhost:8080' }, 'stored')).publicUrl).toBe('http://127.0.0.1:18482');
      // A process that serves its own app in-process keeps its config.
      expect((await open({ PUBLIC_URL: 'http://localhost:8080' }, 'config')).publicUrl).toBe('http://localhost:8080');

      // The last server started wins.
      await open({ PUBLIC_URL: 'https://id.example.test/' }, 'publish');
      expect((await open({}, 'stored')).publicUrl).toBe('https://id.example.test');
    } finally {
      for (const platform of opened) await platform.close();
      await setup.destroy();
    }
  });
});
