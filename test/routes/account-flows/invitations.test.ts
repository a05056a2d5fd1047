import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { formsOf, signIn, startAuthorization, TestBrowser } from '../../support/browser.ts';
import { BROWSER_ACCEPT, linkIn, nthMailTo, REDIRECT_URI, startAccountFlowBed, submit, type AccountFlowBed, type FlowTenant } from '../../support/account-flows.ts';
import { adminToken, callAdmin, machineClient } from '../../support/admin-api.ts';
import { pollUntil } from '../../support/eventually.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { rolesOf } from '../../../src/modules/users/users.repository.ts';
import { hashInvitationToken } from '../../../src/modules/users/invitations.service.ts';
import { readTenantSettings } from '../../../src/modules/settings/settings.service.ts';

/**
 * Invitations by email end to end: an admin invites through the admin API, the mail reaches a real
 * SMTP server, its link opens the accept page over real HTTP, and the account it makes signs in
 * through the login page.
 */
let bed: AccountFlowBed;
let acme: FlowTenant;
let acmeAdmin: string;

beforeAll(async () => {
  bed = await startAccountFlowBed();
  acme = await bed.tenant('inviteflow');
  acmeAdmin = await adminToken(acme, await machineClient(acme, 'acme ops', true), 'invitations:read invitations:write');
});
afterAll(async () => {
  await bed?.close();
});

type Invitation = { id: string; email: string; roles: string[] };

async function invite(tenant: FlowTenant, token: string, body: Record<string, unknown>): Promise<{ invitation: Invitation; mail_id: string }> {
  const answer = await callAdmin(tenant, '/invitations', token, { method: 'POST', body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as { invitation: Invitation; mail_id: string };
}

/** The accept link of the `nth` mail to `email` (waits for it). */
async function acceptLink(email: string, nth = 1): Promise<URL> {
  return linkIn(await nthMailTo(bed.smtp, email, nth), '/accept-invitation');
}

/** Opens the link in a fresh browser; the page and its form. */
async function openLink(link: URL | string) {
  const browser = new TestBrowser();
  const response = await browser.request(link, { headers: BROWSER_ACCEPT });
  const html = await response.text();
  return { browser, response, html, form: formsOf(html, String(link))[0] };
}

const userRow = (tenant: FlowTenant, email: string) => tenant.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
const invitationRow = (tenant: FlowTenant, id: string) => tenant.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();

describe('an invitation by email', () => {
  it('mails a link whose page makes a verified account with the invitation roles, which then signs in', async () => {
    // Where accounts come from admins only: an invitation is an admin's decision.
    expect((await readTenantSettings(acme)).signup).toBe('disabled');
    const email = 'ann@invite.test';
    const { invitation, mail_id } = await invite(acme, acmeAdmin, { email: 'Ann@Invite.test', roles: ['editor', 'viewer'] });
    expect(invitation).toMatchObject({ email, roles: ['editor', 'viewer'] });
    expect(mail_id).toEqual(expect.any(String));

    const mail = await nthMailTo(bed.smtp, email);
    expect(mail.mail.subject).toBe(`You are invited to ${acme.id}`);
    expect(mail.mail.text).toContain('valid for 7 days');
    const link = linkIn(mail, '/accept-invitation');
    expect(link.href.startsWith(`${acme.issuer}/accept-invitation?token=`)).toBe(true);
    const token = link.searchParams.get('token')!;
    // Only the digest is stored, and the outbox row lost its bodies once sent.
    const stored = await invitationRow(acme, invitation.id);
    expect(stored!.token_hash).toBe(hashInvitationToken(token));
    const outbox = await pollUntil(
      () => acme.db.selectFrom('mail_outbox').selectAll().where('id', '=', mail_id).executeTakeFirstOrThrow(),
      (row) => row.state === 'sent',
    );
    expect(outbox).toMatchObject({ template: 'invitation', to_address: email, text_body: null });
    const audited = await acme.db.selectFrom('audit_events').select(['action', 'details']).where('target', '=', invitation.id).execute();
    expect(JSON.stringify(audited)).not.toContain(token);

    const opened = await openLink(link);
    expect(opened.response.status).toBe(200);
    expect(opened.response.headers.get('x-frame-options')).toBe('DENY');
    expect(opened.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(opened.response.headers.get('cache-control')).toBe('no-store');
    expect(opened.html).not.toMatch(/<script|\son[a-z]+=/i);
    expect(opened.html).toContain(`<input id="email" type="email" autocomplete="username" readonly value="${email}"`);
    for (const field of ['email', 'name', 'password']) expect(opened.html).toContain(`<label for="${field}">`);
    expect(opened.html).toContain('autocomplete="new-password"');
    // Opening the link used nothing.
    expect((await invitationRow(acme, invitation.id))!.accepted_at).toBeNull();

    const forged = await opened.browser.request(opened.form!.action, { form: { token, name: 'Ann', password: 'ann password 123' }, headers: BROWSER_ACCEPT });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('invalid_form');

    const weak = await submit(opened.browser, opened.form!, { name: 'Ann', password: 'short' });
    expect(weak.status).toBe(400);
    const weakHtml = await weak.text();
    expect(weakHtml).toMatch(/role="alert"[^>]*>The password must be/);
    expect(weakHtml).toContain('value="Ann"');
    expect(await userRow(acme, email)).toBeUndefined();

    const done = await submit(opened.browser, opened.form!, { name: 'Ann Example', password: 'ann password 123' });
    expect(done.status).toBe(200);
    const doneHtml = await done.text();
    expect(doneHtml).toContain('Your account is ready');
    expect(doneHtml).toContain(`href="${new URL(acme.issuer).pathname}/account"`);
    expect(doneHtml).toContain(email);

    const user = await userRow(acme, email);
    expect(user).toMatchObject({ email, name: 'Ann Example', email_verified: true, status: 'active' });
    expect(await rolesOf(acme.db, user!.id)).toEqual(['editor', 'viewer']);
    expect((await invitationRow(acme, invitation.id))!.accepted_at).not.toBeNull();
    const [accepted] = await acme.db.selectFrom('audit_events').select(['actor', 'ip', 'details']).where('action', '=', 'invitation.accepted').where('target', '=', invitation.id).execute();
    expect(accepted).toEqual({ actor: 'visitor', ip: '127.0.0.1', details: { user: user!.id, roles: ['editor', 'viewer'] } });

    // The new account signs in through the login page, its address verified in the ID token.
    const started = await startAuthorization(acme.spa, { redirect_uri: REDIRECT_URI, scope: 'openid email' });
    const trace = await signIn(new TestBrowser(), started.url, { email, password: 'ann password 123', redirectUri: REDIRECT_URI });
    const tokens = await oidc.authorizationCodeGrant(acme.spa, trace.callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    expect(tokens.claims()).toMatchObject({ sub: user!.id, email, email_verified: true });

    // The link worked once.
    const again = await openLink(link);
    expect(again.response.status).toBe(410);
    expect(again.html).toContain('Invitation already accepted');
    const replayed = await submit(opened.browser, opened.form!, { password: 'another password 1' });
    expect(replayed.status).toBe(410);
  });

  it('sent again: a new link works, the old one shows that it was replaced', async () => {
    const email = 'resent@invite.test';
    const { invitation } = await invite(acme, acmeAdmin, { email, roles: ['viewer'] });
    const first = await acceptLink(email);
    const resent = await callAdmin(acme, `/invitations/${invitation.id}/resend`, acmeAdmin, { method: 'POST' });
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    expect(resent.body).toMatchObject({ invitation: { id: invitation.id, email }, mail_id: expect.any(String) });
    const second = await acceptLink(email, 2);
    expect(second.searchParams.get('token')).not.toBe(first.searchParams.get('token'));

    const old = await openLink(first);
    expect(old.response.status).toBe(400);
    expect(old.html).toContain('This invitation link cannot be used');
    expect(old.html).toContain('only the newest mail works');
    expect(old.html).toMatch(/<p class="error" role="alert">/);

    const fresh = await openLink(second);
    expect(fresh.response.status).toBe(200);
    expect((await submit(fresh.browser, fresh.form!, { password: 'resent password 1' })).status).toBe(200);
    expect(await userRow(acme, email)).toMatchObject({ email_verified: true });
  });

  it('shows a clear page for a revoked, an expired, an unknown and a missing link, and for an address with an account', async () => {
    const revoked = await invite(acme, acmeAdmin, { email: 'revoked@invite.test' });
    const revokedLink = await acceptLink('revoked@invite.test');
    expect((await callAdmin(acme, `/invitations/${revoked.invitation.id}`, acmeAdmin, { method: 'DELETE' })).status).toBe(204);
    const revokedPage = await openLink(revokedLink);
    expect([revokedPage.response.status, revokedPage.response.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
    expect(revokedPage.html).toContain('This invitation link cannot be used');

    const expired = await invite(acme, acmeAdmin, { email: 'expired@invite.test' });
    const expiredLink = await acceptLink('expired@invite.test');
    const expiredPage = await openLink(expiredLink);
    await acme.db.updateTable('invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expired.invitation.id).execute();
    const expiredAnswer = await openLink(expiredLink);
    expect(expiredAnswer.response.status).toBe(410);
    expect(expiredAnswer.html).toContain('This invitation has expired');
    // A form opened before it expired cannot be used either.
    expect((await submit(expiredPage.browser, expiredPage.form!, { password: 'expired password 1' })).status).toBe(410);
    expect(await userRow(acme, 'expired@invite.test')).toBeUndefined();

    for (const search of ['?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '?token=%22%3E%3Cscript%3E', '']) {
      const page = await openLink(`${acme.issuer}/accept-invitation${search}`);
      expect(page.response.status, search).toBe(400);
      expect(page.html).toContain('This invitation link cannot be used');
      expect(page.html).not.toContain('<script>');
    }

    const taken = await invite(acme, acmeAdmin, { email: 'taken@invite.test' });
    const takenLink = await acceptLink('taken@invite.test');
    const takenForm = await openLink(takenLink);
    await createUser(acme, { email: 'taken@invite.test', password: 'made by an admin' }, TEST_ACTOR);
    const takenPage = await openLink(takenLink);
    expect(takenPage.response.status).toBe(409);
    expect(takenPage.html).toContain('taken@invite.test has an account at');
    const takenPost = await submit(takenForm.browser, takenForm.form!, { password: 'taken password 1' });
    expect(takenPost.status).toBe(409);
    expect((await invitationRow(acme, taken.invitation.id))!.accepted_at).toBeNull();
  });

  it('makes exactly one account of two parallel posts with one link', async () => {
    const email = 'race@invite.test';
    const { invitation } = await invite(acme, acmeAdmin, { email, roles: ['viewer'] });
    const opened = await openLink(await acceptLink(email));
    const answers = await Promise.all(['first racer password', 'second racer password'].map((password) => submit(opened.browser, opened.form!, { password })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 410]);
    expect(await acme.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
    const events = await acme.db.selectFrom('audit_events').select('id').where('action', '=', 'invitation.accepted').where('target', '=', invitation.id).execute();
    expect(events).toHaveLength(1);
  });

  it("refuses tenant A's link at tenant B, where it makes nothing, and A's link keeps working at A", async () => {
    const beta = await bed.tenant('inviteflowb');
    const email = 'both@invite.test';
    await invite(acme, acmeAdmin, { email });
    const link = await acceptLink(email);
    const atBeta = new URL(`${beta.issuer}/accept-invitation${link.search}`);
    const page = await openLink(atBeta);
    expect(page.response.status).toBe(400);
    expect(page.html).toContain('This invitation link cannot be used');
    // A post at B with B's own form token.
    const browser = new TestBrowser();
    const [betaForm] = formsOf(await (await browser.request(`${beta.issuer}/forgot-password`)).text(), `${beta.issuer}/forgot-password`);
    const posted = await browser.request(atBeta, { form: { csrf: betaForm!.fields.csrf!, token: link.searchParams.get('token')!, password: 'hijacked password' }, headers: BROWSER_ACCEPT });
    expect(posted.status).toBe(400);
    expect(await userRow(beta, email)).toBeUndefined();
    expect((await openLink(link)).response.status).toBe(200);
  });

  it('refuses a form field the page does not have', async () => {
    const response = await new TestBrowser().request(`${acme.issuer}/accept-invitation`, { form: { csrf: 'x', injected: '1' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'body.injected is not a known field' });
  });
});
