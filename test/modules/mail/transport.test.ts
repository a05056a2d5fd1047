import { describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { classifyDeliveryError, describeDeliveryError, smtpTransportOptions } from '../../../src/modules/mail/mail-transport.ts';

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
