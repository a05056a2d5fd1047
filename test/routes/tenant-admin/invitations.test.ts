import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, startAdminApiBed, type MachineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { updateTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { hashInvitationToken } from '../../../src/modules/users/invitations.service.ts';
import { INVITATION_MAIL_LIMIT } from '../../../src/modules/users/invitation-mail.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { invitationTokenIn } from '../../support/invitations.ts';

/**
 * The tenant admin API's invitations: `/t/<id>/admin/v1/invitations…`, called with machine-client
 * tokens over real HTTP. No mail sender runs here: the link's token is read from the queued mail,
 * and what it is worth is checked through the tenant's signup API (the accept page has its own
 * end-to-end test, test/routes/account-flows/invitations.test.ts).
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let acmeOps: MachineClient;
let writer: string;
let reader: string;
let globexWriter: string;

beforeAll(async () => {
  ({ bed, acme, globex, acmeOps, acmeTokens: [writer, reader], globexTokens: [globexWriter] } = await startAdminApiBed('inv', {
    acme: ['invitations:read invitations:write', 'invitations:read'],
    globex: ['invitations:read invitations:write'],
  }));
  await updateTenantSettings(acme, { signup: 'invite' }, TEST_ACTOR);
  await updateTenantSettings(globex, { signup: 'invite' }, TEST_ACTOR);
});
afterAll(async () => {
  await bed?.close();
});

type Invitation = { id: string; email: string } & Record<string, unknown>;

/** Invites through the API; the token is the one in the queued mail, which the answer never shows. */
async function invite(body: Record<string, unknown>, tenant = acme, token = writer): Promise<{ invitation: Invitation; mail_id: string; token: string }> {
  const answer = await callAdmin(tenant, '/invitations', token, { method: 'POST', body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  const mailId = answer.body.mail_id as string;
  return { ...(answer.body as { invitation: Invitation; mail_id: string }), token: await invitationTokenIn(tenant.db, mailId) };
}

/** The tenant's signup API, as an invitee calls it. */
async function signUp(tenant: TestTenant, email: string, invitation: string) {
  const response = await fetch(`${tenant.issuer}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: `${email} password`, invitation }),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

async function pending(tenant = acme, token = reader): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const answer = await callAdmin(tenant, `/invitations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(answer.status).toBe(200);
    ids.push(...(answer.body.items as Invitation[]).map((item) => item.id));
    cursor = answer.body.next_cursor as string | null;
  } while (cursor);
  return ids;
}

function auditOf(tenant: TestTenant, action: string, target: string) {
  return tenant.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target', '=', target).execute();
}

describe('POST /invitations', () => {
  it('invites as `tansu invite create` does: a mail with the link in the same transaction, the token in no answer, only its hash stored; audited', async () => {
    const created = await callAdmin(acme, '/invitations', writer, { method: 'POST', body: { email: 'Ann@Example.test', roles: ['editor'], expires_in_days: 3 } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['invitation', 'mail_id']);
    const invitation = created.body.invitation as Invitation;
    expect(invitation).toEqual({ id: expect.any(String), email: 'ann@example.test', roles: ['editor'], expires_at: expect.any(String), created_at: expect.any(String) });
    const days = (Date.parse(invitation.expires_at as string) - Date.parse(invitation.created_at as string)) / 86_400_000;
    expect(days).toBeCloseTo(3, 2);

    const mail = await acme.db.selectFrom('mail_outbox').selectAll().where('id', '=', created.body.mail_id as string).executeTakeFirstOrThrow();
    expect(mail).toMatchObject({ to_address: 'ann@example.test', template: 'invitation', state: 'queued' });
    expect(mail.text_body).toContain('valid for 3 days');
    const token = await invitationTokenIn(acme.db, mail.id);
    expect(mail.text_body).toContain(`${acme.issuer}/accept-invitation?token=${token}`);
    expect(JSON.stringify(created.body)).not.toContain(token);
    const row = await acme.db.selectFrom('invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashInvitationToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const [event] = await auditOf(acme, 'invitation.created', invitation.id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1', details: { roles: ['editor'], mailId: mail.id } });
    expect(JSON.stringify(event)).not.toContain(token);

    expect((await signUp(acme, 'ann@example.test', token)).status).toBe(202);
    expect(await pending()).not.toContain(invitation.id);
  });

  it('refuses bad input with stable codes', async () => {
    await createUser(acme, { email: 'existing@example.test' }, TEST_ACTOR);
    for (const [body, status, code] of [
      [{ email: 'not an email' }, 400, 'invalid_email'],
      [{ email: 'bob@example.test', roles: ['no spaces allowed'] }, 400, 'invalid_role'],
      [{ email: 'bob@example.test', expires_in_days: 0 }, 400, 'invalid_expiry'],
      [{ email: 'bob@example.test', expires_in_days: 31 }, 400, 'invalid_expiry'],
      [{ email: 'bob@example.test', expiresInDays: 3 }, 400, 'invalid_request'],
      [{ email: 'existing@example.test' }, 409, 'user_exists'],
    ] as const) {
      const answer = await callAdmin(acme, '/invitations', writer, { method: 'POST', body });
      expect({ status: answer.status, error: answer.body.error }, JSON.stringify(body)).toEqual({ status, error: code });
    }
    expect(await acme.db.selectFrom('invitations').select('id').where('email', '=', 'bob@example.test').execute()).toEqual([]);
  });
});

describe('GET /invitations', () => {
  it('pages through the pending invitations only, oldest first', async () => {
    const made = [await invite({ email: 'p1@example.test' }), await invite({ email: 'p2@example.test' }), await invite({ email: 'p3@example.test' })];
    await acme.db.updateTable('invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', made[1]!.invitation.id).execute();
    const ids = await pending();
    expect(ids).toContain(made[0]!.invitation.id);
    expect(ids).toContain(made[2]!.invitation.id);
    expect(ids).not.toContain(made[1]!.invitation.id);
    expect(ids.indexOf(made[0]!.invitation.id)).toBeLessThan(ids.indexOf(made[2]!.invitation.id));
    const answer = await callAdmin(acme, '/invitations', reader);
    expect(JSON.stringify(answer.body)).not.toMatch(/token/);
  });
});

describe('DELETE /invitations/:invitation_id', () => {
  it('revokes a pending invitation: its token can no longer be redeemed; audited', async () => {
    const { invitation, token } = await invite({ email: 'revoked@example.test', roles: ['viewer'] });
    expect((await callAdmin(acme, `/invitations/${invitation.id}`, writer, { method: 'DELETE' })).status).toBe(204);
    expect(await pending()).not.toContain(invitation.id);
    expect(await signUp(acme, 'revoked@example.test', token)).toMatchObject({ status: 400, body: { error: 'invalid_invitation' } });
    expect(await acme.db.selectFrom('users').select('id').where('email', '=', 'revoked@example.test').execute()).toEqual([]);
    expect(await callAdmin(acme, `/invitations/${invitation.id}`, writer, { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: 'invitation_not_found' } });
    const [event] = await auditOf(acme, 'invitation.revoked', invitation.id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1', details: { before: { roles: ['viewer'] } } });
  });

  it('refuses to revoke a used invitation (409) and a malformed id (400)', async () => {
    const { invitation, token } = await invite({ email: 'used@example.test' });
    expect((await signUp(acme, 'used@example.test', token)).status).toBe(202);
    expect(await callAdmin(acme, `/invitations/${invitation.id}`, writer, { method: 'DELETE' })).toMatchObject({ status: 409, body: { error: 'invitation_accepted' } });
    expect(await callAdmin(acme, '/invitations/not-a-uuid', writer, { method: 'DELETE' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

describe('POST /invitations/:invitation_id/resend', () => {
  it('mails a new link under a new token and expiry; the old token stops working; audited', async () => {
    const first = await invite({ email: 'resend@example.test', roles: ['viewer'], expires_in_days: 1 });
    // Expired: a resend is what brings it back.
    await acme.db.updateTable('invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', first.invitation.id).execute();
    const answer = await callAdmin(acme, `/invitations/${first.invitation.id}/resend`, writer, { method: 'POST', body: { expires_in_days: 5 } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const resent = answer.body as { invitation: Invitation; mail_id: string };
    expect(resent.invitation).toMatchObject({ id: first.invitation.id, email: 'resend@example.test', roles: ['viewer'] });
    expect((Date.parse(resent.invitation.expires_at as string) - Date.now()) / 86_400_000).toBeCloseTo(5, 1);
    expect(resent.mail_id).not.toBe(first.mail_id);
    const token = await invitationTokenIn(acme.db, resent.mail_id);
    expect(token).not.toBe(first.token);
    expect(JSON.stringify(answer.body)).not.toContain(token);
    expect(await pending()).toContain(first.invitation.id);

    expect(await signUp(acme, 'resend@example.test', first.token)).toMatchObject({ status: 400, body: { error: 'invalid_invitation' } });
    const [event] = await auditOf(acme, 'invitation.resent', first.invitation.id);
    expect(event).toMatchObject({ actor: `client:${acmeOps.clientId}`, ip: '127.0.0.1', details: { expiresInDays: 5, mailId: resent.mail_id } });
    expect((await signUp(acme, 'resend@example.test', token)).status).toBe(202);
    expect(await acme.db.selectFrom('users').select('email_verified').where('email', '=', 'resend@example.test').executeTakeFirst()).toEqual({ email_verified: true });
  });

  it('takes no body (the default expiry), and refuses what cannot be sent again with stable codes', async () => {
    const fresh = await invite({ email: 'nobody-yet@example.test' });
    const noBody = await callAdmin(acme, `/invitations/${fresh.invitation.id}/resend`, writer, { method: 'POST' });
    expect(noBody.status, JSON.stringify(noBody.body)).toBe(200);
    expect((Date.parse((noBody.body.invitation as Invitation).expires_at as string) - Date.now()) / 86_400_000).toBeCloseTo(7, 1);

    const used = await invite({ email: 'used-resend@example.test' });
    expect((await signUp(acme, 'used-resend@example.test', used.token)).status).toBe(202);
    const meanwhile = await invite({ email: 'meanwhile@example.test' });
    await createUser(acme, { email: 'meanwhile@example.test' }, TEST_ACTOR);
    const revoked = await invite({ email: 'revoked-resend@example.test' });
    expect((await callAdmin(acme, `/invitations/${revoked.invitation.id}`, writer, { method: 'DELETE' })).status).toBe(204);
    for (const [id, body, status, code] of [
      [used.invitation.id, {}, 409, 'invitation_accepted'],
      [meanwhile.invitation.id, {}, 409, 'user_exists'],
      [revoked.invitation.id, {}, 404, 'invitation_not_found'],
      [fresh.invitation.id, { expires_in_days: 31 }, 400, 'invalid_expiry'],
      [fresh.invitation.id, { expiresInDays: 3 }, 400, 'invalid_request'],
      ['not-a-uuid', {}, 400, 'invalid_request'],
    ] as const) {
      const answer = await callAdmin(acme, `/invitations/${id}/resend`, writer, { method: 'POST', body });
      expect({ status: answer.status, error: answer.body.error }, `${id} ${JSON.stringify(body)}`).toEqual({ status, error: code });
    }
    // The refused resend of `meanwhile` kept its token (the transaction rolled back).
    const kept = await acme.db.selectFrom('invitations').select('token_hash').where('id', '=', meanwhile.invitation.id).executeTakeFirstOrThrow();
    expect(kept.token_hash).toBe(hashInvitationToken(meanwhile.token));
  });

  it('answers 429 with Retry-After past the invitation mails one address may get in an hour, creation included', async () => {
    const email = 'limited@example.test';
    const { invitation, token } = await invite({ email });
    for (let i = 1; i < INVITATION_MAIL_LIMIT.maxPerAddress; i++) {
      expect((await callAdmin(acme, `/invitations/${invitation.id}/resend`, writer, { method: 'POST' })).status).toBe(200);
    }
    const [lastMail] = await acme.db.selectFrom('mail_outbox').select('id').where('to_address', '=', email).orderBy('created_at', 'desc').limit(1).execute();
    const lastToken = await invitationTokenIn(acme.db, lastMail!.id);
    const limited = await callAdmin(acme, `/invitations/${invitation.id}/resend`, writer, { method: 'POST' });
    expect({ status: limited.status, error: limited.body.error }).toEqual({ status: 429, error: 'throttled' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(INVITATION_MAIL_LIMIT.windowSeconds - 600);
    // A new invitation for the address is held to the same count; another address is not.
    expect((await callAdmin(acme, '/invitations', writer, { method: 'POST', body: { email } })).status).toBe(429);
    expect((await callAdmin(acme, '/invitations', writer, { method: 'POST', body: { email: 'unlimited@example.test' } })).status).toBe(201);
    const mails = await acme.db.selectFrom('mail_outbox').select('id').where('to_address', '=', email).execute();
    expect(mails).toHaveLength(INVITATION_MAIL_LIMIT.maxPerAddress);
    // The refused resend changed nothing: the last link mailed still works, the first one does not.
    expect((await signUp(acme, email, token)).status).toBe(400);
    expect((await signUp(acme, email, lastToken)).status).toBe(202);
  });
});

describe('scopes', () => {
  it('needs invitations:write to invite, resend or revoke and invitations:read to list', async () => {
    const { invitation } = await invite({ email: 'scoped@example.test' });
    for (const [method, path, body] of [
      ['POST', '/invitations', { email: 'x@example.test' }],
      ['POST', `/invitations/${invitation.id}/resend`, undefined],
      ['DELETE', `/invitations/${invitation.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(acme, path, reader, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 403, error: 'insufficient_scope' });
      expect(answer.headers.get('www-authenticate')).toContain('scope="invitations:write"');
    }
    const usersOnly = await adminToken(acme, acmeOps, 'users:read users:write');
    expect((await callAdmin(acme, '/invitations', usersOnly)).status).toBe(403);
    expect(await pending()).toContain(invitation.id);
  });
});

describe('isolation', () => {
  it("refuses tenant A's token at tenant B with 401 on every route", async () => {
    const { invitation } = await invite({ email: 'globex@example.test' }, globex, globexWriter);
    for (const [method, path, body] of [
      ['GET', '/invitations', undefined],
      ['POST', '/invitations', { email: 'x@example.test' }],
      ['POST', `/invitations/${invitation.id}/resend`, undefined],
      ['DELETE', `/invitations/${invitation.id}`, undefined],
    ] as const) {
      const answer = await callAdmin(globex, path, writer, { method, body });
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({ status: 401, error: 'invalid_token' });
    }
    expect(await pending(globex, globexWriter)).toContain(invitation.id);
  });

  it("answers 404 for tenant A's invitation at tenant B, whose token stays good at A only", async () => {
    const { invitation, token } = await invite({ email: 'acme-only@example.test' });
    expect(await callAdmin(globex, `/invitations/${invitation.id}`, globexWriter, { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: 'invitation_not_found' } });
    expect(await callAdmin(globex, `/invitations/${invitation.id}/resend`, globexWriter, { method: 'POST' })).toMatchObject({ status: 404, body: { error: 'invitation_not_found' } });
    expect(await pending(globex, globexWriter)).not.toContain(invitation.id);
    expect((await signUp(globex, 'acme-only@example.test', token)).body.error).toBe('invalid_invitation');
    expect((await signUp(acme, 'acme-only@example.test', token)).status).toBe(202);
  });
});
