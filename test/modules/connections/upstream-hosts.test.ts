import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPublicHost, guardedFetch, isPrivateAddress } from '../../../src/modules/connections/upstream-hosts.ts';
import { testConfig } from '../../support/platform.ts';

/** The SSRF guard of upstream connections (upstream-hosts.ts) and its platform setting. */

let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_request, response) => response.end('{"ok":true}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/openid-configuration`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the SSRF guard', () => {
  it('knows loopback, private, link-local and special addresses from public ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: true });
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: false });
    }
  });

  it('refuses private hosts by name and by address, and lets public ones through', async () => {
    for (const target of ['http://127.0.0.1:8080/', 'https://localhost/', 'https://[::1]/', 'https://169.254.169.254/latest/meta-data', 'https://10.0.0.5/token']) {
      await expect(assertPublicHost(target, 'issuer')).rejects.toMatchObject({ code: 'private_host_refused' });
    }
    await expect(assertPublicHost('https://93.184.216.34/', 'issuer')).resolves.toBeUndefined();
  });

  it('refuses at fetch time by default, and fetches when the platform allows private hosts', async () => {
    await expect(guardedFetch(false)(url)).rejects.toMatchObject({ code: 'private_host_refused' });
    expect(await (await guardedFetch(true)(url)).json()).toEqual({ ok: true });
  });

  it('is off unless CONNECTIONS_ALLOW_PRIVATE_HOSTS is set', () => {
    expect(testConfig().connectionsAllowPrivateHosts).toBe(false);
    expect(testConfig({ CONNECTIONS_ALLOW_PRIVATE_HOSTS: 'true' }).connectionsAllowPrivateHosts).toBe(true);
    expect(() => testConfig({ CONNECTIONS_ALLOW_PRIVATE_HOSTS: 'maybe' })).toThrow(/CONNECTIONS_ALLOW_PRIVATE_HOSTS must be true or false/);
  });
});
