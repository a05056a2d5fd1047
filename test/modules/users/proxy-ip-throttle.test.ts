import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertClient } from '../../../src/modules/clients/clients.repository.ts';
import { generateClientSecret, hashClientSecret } from '../../../src/modules/clients/client-secret.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { THROTTLE } from '../../../src/modules/users/login-throttle.ts';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';

/**
 * With TRUSTED_PROXIES configured the provider runs with proxy = true, where Koa would believe any
 * X-Forwarded-For. The password grant must throttle by the address Fastify resolved, which trusts
 * only the configured proxies, so rotating the header from an untrusted peer changes nothing.
 */
let bed: UsersTestBed;
let tenantId: string;
const secret = generateClientSecret();

beforeAll(async () => {
  bed = await startUsersTestBed({ TRUSTED_PROXIES: '10.9.9.9' });
  const tenant = await bed.tenant('proxyip');
  tenantId = tenant.id;
  await insertClient(tenant.db, {
    client_id: 'legacy',
    name: 'legacy',
    type: 'confidential',
    secret_hash: hashClientSecret(secret),
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['password'],
  });
  await createUser(tenant, { email: 'victim@example.test', password: 'the right password' }, TEST_ACTOR);
});
afterAll(async () => {
  await bed?.close();
});

function passwordGrant(username: string, password: string, forwardedFor: string) {
  return bed.app.inject({
    method: 'POST',
    url: `/t/${tenantId}/token`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`legacy:${secret}`).toString('base64')}`,
      'x-forwarded-for': forwardedFor,
    },
    payload: new URLSearchParams({ grant_type: 'password', username, password, scope: 'openid' }).toString(),
    remoteAddress: '198.51.100.7',
  });
}

it('counts failures per real peer address even when X-Forwarded-For rotates', async () => {
  for (let i = 0; i < THROTTLE.maxFailuresPerIp; i++) {
    // A new email each time keeps the per-account limit out of play; a new forged address each time too.
    const response = await passwordGrant(`nobody${i}@example.test`, 'wrong password', `192.0.2.${i + 1}`);
    expect(response.statusCode).toBe(400);
  }
  const refused = await passwordGrant('victim@example.test', 'the right password', '192.0.2.250');
  expect(refused.statusCode).toBe(400);
  expect(refused.json().error).toBe('invalid_grant');
  expect(refused.headers['retry-after']).toBeDefined();
});
