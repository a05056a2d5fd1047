import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/browser.ts';
import { fillIn, linkIn, mailsTo, nthMailTo, startAccountFlowBed, type AccountFlowBed, type FlowTenant } from '../../support/account-flows.ts';
import { adminToken, callAdmin, machineClient, type AdminAnswer, type MachineClient } from '../../support/admin-api.ts';
import { pollUntil } from '../../support/eventually.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { disableUser } from '../../../src/modules/users/user-account.service.ts';
import { authenticatePassword } from '../../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';
import { MAIL_TEMPLATE_NAMES } from '../../../src/modules/mail/mail-names.ts';

/**
 * The admin API's mail: a reset or verification link mailed to a user (users:write), the outbox
 * (mail:read, mail:write) and the templates (settings:read, settings:write). One node whose mail
 * sender delivers to a real SMTP server; the links that arrive are followed over real HTTP.
 */
let bed: AccountFlowBed;
let acme: FlowTenant;
let globex: FlowTenant;
let acmeOps: MachineClient;
let users: string;
let reader: string;
let mailer: string;
let settings: string;
let auditor: string;
let globexAll: string;

const ALL = 'users:read users:write mail:read mail:write settings:read settings:write audit:read';

beforeAll(async () => {
  bed = await startAccountFlowBed();
  [acme, globex] = await Promise.all([bed.tenant('amail-acme'), bed.tenant('amail-globex')]);
  acmeOps = await machineClient(acme, 'mail ops', true);
  const globexOps = await machineClient(globex, 'globex ops', true);
  [users, reader, mailer, settings, auditor, globexAll] = await Promise.all([
    adminToken(acme, acmeOps, 'users:read users:write'),
    adminToken(acme, acmeOps, 'users:read mail:read settings:read'),
    adminToken(acme, acmeOps, 'mail:read mail:write'),
    adminToken(acme, acmeOps, 'settings:read settings:write'),
    adminToken(acme, acmeOps, 'audit:read'),
    adminToken(globex, globexOps, ALL),
  ]);
});
afterAll(async () => {
  await bed?.close();
});

const newUser = async (tenant: FlowTenant, email: string, verified = true) =>
  (await createUser(tenant, { email, password: 'the first password', emailVerified: verified }, TEST_ACTOR)).user.id;

const post = (path: string, token: string, tenant: FlowTenant = acme) => callAdmin(tenant, path, token, { method: 'POST' });

async function lastEvent(action: string, target: string) {
  const { body } = await callAdmin(acme, `/audit-events?action=${action}&target=${encodeURIComponent(target)}&limit=1`, auditor);
  return (body.items as Array<Record<string, unknown>>)[0];
}

const expectError = (answer: AdminAnswer, status: number, error: string) => {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.error).toBe(error);
};

let nextIp = 1;
const passwordWorks = async (email: string, password: string) =>
  (await authenticatePassword(acme.db, loginKeysFor(bed.oidc.platform.config, acme.id), { email, password, ip: `198.51.100.${nextIp++}` })).ok;

/** The outbox rows of one address, as the admin API lists them. */
const outboxOf = async (to: string, token = reader, tenant: FlowTenant = acme) => (await callAdmin(tenant, `/mail?to=${encodeURIComponent(to)}`, token)).body.items as Array<Record<string, unknown>>;

describe('POST /users/<id>/password-reset', () => {
  it('mails the user a reset link through the forgot-password service; the link sets a new password that works', async () => {
    const email = 'ann@amail.test';
    const userId = await newUser(acme, email);
    const answer = await post(`/users/${userId}/password-reset`, users);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ user_id: userId, email, mail_id: expect.any(String), expires_at: expect.any(String) });
    expect(Date.parse(answer.body.expires_at as string) - Date.now()).toBeGreaterThan(25 * 60 * 1000);

    const received = await nthMailTo(bed.smtp, email);
    expect(received.mail.subject).toBe(`Reset your ${acme.id} password`);
    const link = linkIn(received, '/reset-password');
    expect(link.href.startsWith(`${acme.issuer}/reset-password?token=`)).toBe(true);
    const done = await fillIn(new TestBrowser(), link, { password: 'chosen by ann 2026' });
    expect(done.status).toBe(200);
    expect(await passwordWorks(email, 'chosen by ann 2026')).toBe(true);
    expect(await passwordWorks(email, 'the first password')).toBe(false);

    expect(await lastEvent('user.password_reset_sent', userId)).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1' });
    // The outbox shows the mail sent, without its text: the link in it was a credential.
    const [row] = await pollUntil(() => outboxOf(email), (rows) => rows[0]?.state === 'sent');
    expect(row).toMatchObject({ id: answer.body.mail_id, template: 'reset_password', state: 'sent', attempts: 0, last_error: null });
    expect(JSON.stringify(row)).not.toContain(link.searchParams.get('token'));
  });

  it('refuses an unknown user (404) and a disabled one (409 user_disabled), mailing nothing', async () => {
    expectError(await post(`/users/${crypto.randomUUID()}/password-reset`, users), 404, 'user_not_found');
    expectError(await post('/users/not-a-uuid/password-reset', users), 404, 'user_not_found');
    const userId = await newUser(acme, 'off@amail.test');
    await disableUser(acme, { userId }, TEST_ACTOR);
    expectError(await post(`/users/${userId}/password-reset`, users), 409, 'user_disabled');
    expect(await outboxOf('off@amail.test')).toEqual([]);
  });
});

describe('POST /users/<id>/verification-email', () => {
  it('mails an unconfirmed user a link that confirms the address; a confirmed one is 409 email_already_verified', async () => {
    const email = 'new@amail.test';
    const userId = await newUser(acme, email, false);
    const answer = await post(`/users/${userId}/verification-email`, users);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ user_id: userId, email });
    const link = linkIn(await nthMailTo(bed.smtp, email), '/verify-email');
    expect((await fillIn(new TestBrowser(), link, {})).status).toBe(200);
    expect((await callAdmin(acme, `/users/${userId}`, users)).body.email_verified).toBe(true);
    expect(await lastEvent('user.verification_sent', userId)).toMatchObject({ actor: `client:${acmeOps.clientId}` });

    expectError(await post(`/users/${userId}/verification-email`, users), 409, 'email_already_verified');
    expect(mailsTo(bed.smtp, email)).toHaveLength(1);
  });

  it('needs users:write for either mail', async () => {
    const userId = await newUser(acme, 'scoped@amail.test', false);
    for (const path of ['password-reset', 'verification-email']) {
      const answer = await post(`/users/${userId}/${path}`, reader);
      expectError(answer, 403, 'insufficient_scope');
      expect(answer.headers.get('www-authenticate')).toContain('scope="users:write"');
    }
    expect(await outboxOf('scoped@amail.test')).toEqual([]);
  });
});

describe('GET /mail and POST /mail/<id>/retry', () => {
  it('lists the outbox newest first, a page at a time, by state and address', async () => {
    const ids = [];
    for (const n of [1, 2, 3]) ids.push((await post(`/users/${await newUser(acme, `page${n}@amail.test`)}/password-reset`, users)).body.mail_id);
    const first = await callAdmin(acme, '/mail?limit=2', reader);
    expect(first.status).toBe(200);
    expect((first.body.items as Array<{ id: string }>).map((mail) => mail.id)).toEqual([ids[2], ids[1]]);
    const second = await callAdmin(acme, `/mail?limit=2&cursor=${first.body.next_cursor}`, reader);
    expect((second.body.items as Array<{ id: string }>)[0]!.id).toBe(ids[0]);
    for (const mail of [...(first.body.items as object[]), ...(second.body.items as object[])]) {
      expect(Object.keys(mail).sort()).toEqual(['attempts', 'created_at', 'id', 'last_error', 'next_attempt_at', 'sent_at', 'state', 'subject', 'template', 'to_address']);
    }
    await pollUntil(() => outboxOf('page1@amail.test'), (rows) => rows[0]?.state === 'sent');
    const sent = (await callAdmin(acme, '/mail?state=sent&limit=200', reader)).body.items as Array<{ state: string; to_address: string }>;
    expect(sent.every((mail) => mail.state === 'sent')).toBe(true);
    expect(sent.map((mail) => mail.to_address)).toContain('page1@amail.test');
    expect((await outboxOf('PAGE2@amail.test')).map((mail) => mail.id)).toEqual([ids[1]]);

    expectError(await callAdmin(acme, '/mail?state=lost', reader), 400, 'invalid_request');
    expectError(await callAdmin(acme, '/mail?cursor=bogus', reader), 400, 'invalid_cursor');
    expectError(await callAdmin(acme, '/mail', users), 403, 'insufficient_scope');
  });

  it('queues a failed mail again, which then arrives; only a failed one, and audited', async () => {
    const email = 'bounced@amail.test';
    bed.smtp.rejectRecipients.add(email);
    const mailId = (await post(`/users/${await newUser(acme, email)}/password-reset`, users)).body.mail_id as string;
    const [failed] = await pollUntil(() => outboxOf(email), (rows) => rows[0]?.state === 'failed');
    expect(failed).toMatchObject({ id: mailId, attempts: 1, last_error: expect.stringMatching(/550/) });

    expectError(await post(`/mail/${mailId}/retry`, reader), 403, 'insufficient_scope');
    bed.smtp.rejectRecipients.delete(email);
    const retried = await post(`/mail/${mailId}/retry`, mailer);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: mailId, state: 'queued', attempts: 0, last_error: null });
    linkIn(await nthMailTo(bed.smtp, email), '/reset-password');
    await pollUntil(() => outboxOf(email), (rows) => rows[0]?.state === 'sent');
    expect(await lastEvent('mail.retried', mailId)).toMatchObject({
      actor: `client:${acmeOps.clientId}`,
      details: { before: { state: 'failed', attempts: 1 }, after: { state: 'queued', attempts: 0 } },
    });

    expectError(await post(`/mail/${mailId}/retry`, mailer), 409, 'mail_not_failed');
    expectError(await post(`/mail/${crypto.randomUUID()}/retry`, mailer), 404, 'mail_not_found');
    expectError(await post('/mail/not-a-uuid/retry', mailer), 400, 'invalid_request');
  });
});

describe('/mail/templates', () => {
  it('lists every template, built-in until the tenant sets its own', async () => {
    const answer = await callAdmin(globex, '/mail/templates', globexAll);
    expect(answer.status).toBe(200);
    const items = answer.body.items as Array<{ name: string; overridden: string[]; subject: string }>;
    expect(items.map((template) => template.name)).toEqual([...MAIL_TEMPLATE_NAMES]);
    expect(items.every((template) => template.overridden.length === 0)).toBe(true);
    expect(items.find((template) => template.name === 'reset_password')!.subject).toBe('Reset your {{tenant_name}} password');
  });

  it('PUT sets the tenant’s own parts under If-Match, the next mail uses them, and DELETE puts the built-in one back', async () => {
    const path = '/mail/templates/reset_password';
    const read = await callAdmin(acme, path, reader);
    expect(read.status).toBe(200);
    expect(read.body.overridden).toEqual([]);
    const etag = read.headers.get('etag')!;

    const put = await callAdmin(acme, path, settings, { method: 'PUT', body: { subject: 'New {{tenant_name}} password for {{email}}' }, headers: { 'if-match': etag } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ subject: 'New {{tenant_name}} password for {{email}}', overridden: ['subject'] });
    expect(put.headers.get('etag')).not.toBe(etag);
    expectError(await callAdmin(acme, path, settings, { method: 'PUT', body: { subject: 'Stale' }, headers: { 'if-match': etag } }), 412, 'precondition_failed');
    expect(await lastEvent('mail.template_updated', 'reset_password')).toMatchObject({
      actor: `client:${acmeOps.clientId}`,
      details: { before: { overridden: [] }, after: { overridden: ['subject'] } },
    });

    const email = 'worded@amail.test';
    await post(`/users/${await newUser(acme, email)}/password-reset`, users);
    expect((await nthMailTo(bed.smtp, email)).mail.subject).toBe(`New ${acme.id} password for ${email}`);
    // Tenant B's mail keeps its wording.
    expect(((await callAdmin(globex, path, globexAll)).body as { overridden: string[] }).overridden).toEqual([]);

    const deleted = await callAdmin(acme, path, settings, { method: 'DELETE', headers: { 'if-match': put.headers.get('etag')! } });
    expect(deleted.status).toBe(204);
    expect((await callAdmin(acme, path, reader)).body).toMatchObject({ subject: 'Reset your {{tenant_name}} password', overridden: [] });
    expect(await lastEvent('mail.template_reset', 'reset_password')).toMatchObject({ details: { before: { overridden: ['subject'] } } });
  });

  it('refuses a placeholder no mail fills, a two-line subject, an unknown template or field, and a token without settings:write', async () => {
    const path = '/mail/templates/invitation';
    expectError(await callAdmin(acme, path, settings, { method: 'PUT', body: { text: 'Hi {{password}}' } }), 400, 'invalid_template');
    expectError(await callAdmin(acme, path, settings, { method: 'PUT', body: { subject: 'One\nBcc: x@example.test' } }), 400, 'invalid_template');
    expectError(await callAdmin(acme, path, settings, { method: 'PUT', body: { body: 'x' } }), 400, 'invalid_request');
    expectError(await callAdmin(acme, '/mail/templates/welcome', reader), 400, 'invalid_request');
    const refused = await callAdmin(acme, path, reader, { method: 'PUT', body: { subject: 'Join {{tenant_name}}' } });
    expectError(refused, 403, 'insufficient_scope');
    expect(refused.headers.get('www-authenticate')).toContain('scope="settings:write"');
    expect((await callAdmin(acme, path, reader)).body.overridden).toEqual([]);
  });
});

describe('isolation', () => {
  it("refuses tenant B's token at tenant A on every mail route", async () => {
    const userId = await newUser(acme, 'isolated@amail.test', false);
    const mailId = crypto.randomUUID();
    for (const [method, path] of [
      ['POST', `/users/${userId}/password-reset`],
      ['POST', `/users/${userId}/verification-email`],
      ['GET', '/mail'],
      ['POST', `/mail/${mailId}/retry`],
      ['GET', '/mail/templates'],
      ['GET', '/mail/templates/verify_email'],
      ['PUT', '/mail/templates/verify_email'],
      ['DELETE', '/mail/templates/verify_email'],
    ] as const) {
      const answer = await callAdmin(acme, path, globexAll, { method, ...(method === 'PUT' && { body: { subject: 'Taken over' } }) });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body.error).toBe('invalid_token');
    }
    expect(await outboxOf('isolated@amail.test')).toEqual([]);
    expect((await callAdmin(acme, '/mail/templates/verify_email', reader)).body.overridden).toEqual([]);
  });

  it("finds none of tenant A's users or mail at tenant B with B's own token", async () => {
    const email = 'only-at-a@amail.test';
    const userId = await newUser(acme, email);
    const mailId = (await post(`/users/${userId}/password-reset`, users)).body.mail_id as string;
    expectError(await post(`/users/${userId}/password-reset`, globexAll, globex), 404, 'user_not_found');
    expectError(await post(`/users/${userId}/verification-email`, globexAll, globex), 404, 'user_not_found');
    expectError(await post(`/mail/${mailId}/retry`, globexAll, globex), 404, 'mail_not_found');
    expect(await outboxOf(email, globexAll, globex)).toEqual([]);
    expect((await outboxOf(email)).map((mail) => mail.id)).toEqual([mailId]);
  });
});
