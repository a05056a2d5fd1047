import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { classifyDeliveryError, createMailTransport, describeDeliveryError, smtpTransportOptions } from '../../../src/modules/mail/mail-transport.ts';
import { createLogger } from '../../../src/logger.ts';

async function loggedLines(env: 'development' | 'production'): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const transport = createMailTransport({ smtpUrl: undefined, env }, createLogger({ logLevel: 'info' }, capture));
  expect(transport.kind).toBe('log');
  await transport.deliver({
    tenant: 'acme',
    from: { name: 'Acme', address: 'no-reply@acme.test' },
    replyTo: undefined,
    to: 'ann@acme.test',
    subject: 'Reset your Acme password',
    text: 'Open https://id.acme.test/t/acme/reset?token=secret-token to reset.',
    html: '<p>…</p>',
    messageId: '<1@acme.test>',
  });
  return lines;
}

describe('without SMTP_URL', () => {
  it('logs the links in development, and only recipient and subject in production', async () => {
    const [development] = await loggedLines('development');
    expect(development).toMatchObject({ tenant: 'acme', to: 'ann@acme.test', links: ['https://id.acme.test/t/acme/reset?token=secret-token'] });
    const [production] = await loggedLines('production');
    expect(production).toMatchObject({ tenant: 'acme', to: 'ann@acme.test', subject: 'Reset your Acme password' });
    expect(JSON.stringify(production)).not.toContain('secret-token');
  });
});

describe('the SMTP transport', () => {
  it('requires STARTTLS on smtp:// to another machine, not to a loopback relay nor on smtps://', () => {
    expect(smtpTransportOptions('smtp://user:pw@smtp.example.com:587').requireTLS).toBe(true);
    expect(smtpTransportOptions('smtp://user:pw@10.0.0.5:25').requireTLS).toBe(true);
    expect(smtpTransportOptions('smtp://127.0.0.1:2525').requireTLS).toBe(false);
    expect(smtpTransportOptions('smtp://localhost:25').requireTLS).toBe(false);
    expect(smtpTransportOptions('smtp://[::1]:25').requireTLS).toBe(false);
    expect(smtpTransportOptions('smtps://user:pw@smtp.example.com').requireTLS).toBe(false);
  });

  it("lets SMTP_URL's query string override the defaults (nodemailer's URL form)", () => {
    const transport = nodemailer.createTransport(smtpTransportOptions('smtp://user:pw@relay.internal:25?requireTLS=false&connectionTimeout=2000&tls.servername=mail.example.com'));
    const options = (transport.transporter as unknown as { options: Record<string, unknown> }).options;
    expect(options).toMatchObject({ host: 'relay.internal', port: 25, requireTLS: false, connectionTimeout: 2000, tls: { servername: 'mail.example.com' }, auth: { user: 'user', pass: 'pw' } });
    transport.close();
  });
});

describe('a failed delivery', () => {
  it('is given up only when the server refused this message for good; connection and login trouble stop the pass', () => {
    expect(classifyDeliveryError({ code: 'EENVELOPE', responseCode: 550, permanent: true })).toBe('rejected');
    expect(classifyDeliveryError({ code: 'EMESSAGE', responseCode: 554, permanent: true })).toBe('rejected');
    expect(classifyDeliveryError({ code: 'EENVELOPE', responseCode: 451, permanent: false })).toBe('deferred');
    // A refused login is the platform's configuration, not the recipient's fault.
    expect(classifyDeliveryError({ code: 'EAUTH', responseCode: 535, permanent: true })).toBe('unreachable');
    expect(classifyDeliveryError({ code: 'ESOCKET', message: 'connect ECONNREFUSED' })).toBe('unreachable');
    expect(classifyDeliveryError(new Error('anything else'))).toBe('unreachable');
  });

  it('is described by its code and the server reply, cut to 500 characters', () => {
    expect(describeDeliveryError({ code: 'EENVELOPE', response: '550 No such mailbox' })).toBe('EENVELOPE: 550 No such mailbox');
    expect(describeDeliveryError({ code: 'ESOCKET', message: 'x'.repeat(900) })).toHaveLength(501);
  });
});
