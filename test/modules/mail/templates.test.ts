import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_TEMPLATE_NAMES } from '../../../src/modules/mail/mail-names.ts';
import { defaultTemplate, renderMail, renderTemplate } from '../../../src/modules/mail/templates.ts';
import { listMailTemplates, readMailTemplate, resetMailTemplate, saveMailTemplate } from '../../../src/modules/mail/mail-templates.service.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { isAppError } from '../../../src/errors.ts';
import { startMailTestBed, variablesFor, type MailTestBed } from '../../support/mail.ts';

describe('built-in templates', () => {
  it.each(MAIL_TEMPLATE_NAMES)('%s names the tenant, the address, the link and its lifetime in every part', (name) => {
    const rendered = renderTemplate(defaultTemplate(name), variablesFor('ann@example.test', { tenant_name: 'Acme' }));
    for (const part of [rendered.text, rendered.html]) {
      expect(part).toContain('Acme');
      expect(part).toContain('ann@example.test');
      expect(part).toContain('https://id.example.test/t/acme/reset?token=ann%40example.test');
      // A notice (email_changed) has nothing to use, so no lifetime to name.
      if (name !== 'email_changed') expect(part).toContain('30 minutes');
      expect(part).not.toMatch(/\{\{|\}\}/);
    }
    expect(rendered.subject).toContain('Acme');
  });

  it('escapes values in the HTML part only, and keeps the subject on one line', () => {
    const hostile = 'Acme <script>alert("x")</script> & \'co\'\r\nBcc: victim@example.test';
    const rendered = renderTemplate(defaultTemplate('invitation'), variablesFor('ann@example.test', { tenant_name: hostile, link: 'https://x.test/a?b=1&c="2"' }));
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(rendered.html).toContain('href="https://x.test/a?b=1&amp;c=&quot;2&quot;"');
    expect(rendered.text).toContain(hostile);
    expect(rendered.subject).not.toMatch(/[\r\n]/);
    expect(rendered.subject).toBe(`You are invited to Acme <script>alert("x")</script> & 'co' Bcc: victim@example.test`);
  });
});

describe('per-tenant overrides', () => {
  let bed: MailTestBed;
  beforeAll(async () => {
    bed = await startMailTestBed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("replace only the parts a tenant set, in that tenant's database alone", async () => {
    const a = await bed.tenant('tpl-a');
    const b = await bed.tenant('tpl-b');
    const saved = await saveMailTemplate(a.scope, { name: 'reset_password', parts: { subject: 'A new password for {{ email }} at {{tenant_name}}' } }, TEST_ACTOR);
    expect(saved.overridden).toEqual(['subject']);

    const atA = await renderMail(a.db, 'reset_password', variablesFor('ann@example.test'));
    expect(atA.subject).toBe('A new password for ann@example.test at Acme');
    expect(atA.text).toBe(renderTemplate(defaultTemplate('reset_password'), variablesFor('ann@example.test')).text);

    const atB = await renderMail(b.db, 'reset_password', variablesFor('ann@example.test'));
    expect(atB.subject).toBe('Reset your Acme password');

    await saveMailTemplate(a.scope, { name: 'reset_password', parts: { html: '<p>{{link}}</p>' } }, TEST_ACTOR);
    expect((await readMailTemplate(a.scope, 'reset_password')).overridden).toEqual(['subject', 'html']);
    const html = await renderMail(a.db, 'reset_password', variablesFor('ann@example.test', { link: 'https://x.test/?a=1&b=2' }));
    expect(html.html).toBe('<p>https://x.test/?a=1&amp;b=2</p>');

    // '' puts one part back; reset drops the override.
    await saveMailTemplate(a.scope, { name: 'reset_password', parts: { subject: '' } }, TEST_ACTOR);
    expect((await readMailTemplate(a.scope, 'reset_password')).overridden).toEqual(['html']);
    await resetMailTemplate(a.scope, { name: 'reset_password' }, TEST_ACTOR);
    expect((await readMailTemplate(a.scope, 'reset_password')).overridden).toEqual([]);
    expect((await renderMail(a.db, 'reset_password', variablesFor('ann@example.test'))).html).toBe(
      renderTemplate(defaultTemplate('reset_password'), variablesFor('ann@example.test')).html,
    );
  });

  it('refuse a placeholder no flow fills, and a subject of two lines, saving nothing', async () => {
    const { scope } = await bed.tenant('tpl-bad');
    for (const parts of [{ text: 'Hello {{user_password}}' }, { subject: 'Line one\nBcc: x@example.test' }]) {
      const error = await saveMailTemplate(scope, { name: 'magic_link', parts }, TEST_ACTOR).catch((e: unknown) => e);
      expect(isAppError(error) && error.code).toBe('invalid_template');
    }
    expect((await readMailTemplate(scope, 'magic_link')).overridden).toEqual([]);
    expect((await listMailTemplates(scope)).map((template) => [template.name, template.overridden])).toEqual(MAIL_TEMPLATE_NAMES.map((name) => [name, []]));
  });
});
