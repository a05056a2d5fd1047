import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { isAppError } from '../src/errors.ts';

const base = { NODE_ENV: 'test', PUBLIC_URL: 'https://id.example.com' };

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (isAppError(error) && error.code === 'invalid_config') return error.message;
    throw error;
  }
  throw new Error('loadConfig accepted it');
}

describe('mail configuration', () => {
  it('sends nothing over SMTP without SMTP_URL, from no-reply at the public host, with no sender in tests', () => {
    const config = loadConfig(base);
    expect(config.smtpUrl).toBeUndefined();
    expect(config.mailFrom).toBe('no-reply@id.example.com');
    expect(config.mailSendIntervalSeconds).toBe(0);
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.com' }).mailSendIntervalSeconds).toBe(5);
  });

  it('takes smtp:// and smtps:// URLs, MAIL_FROM and the interval as given', () => {
    const config = loadConfig({ ...base, SMTP_URL: 'smtps://user:secret@smtp.example.com:465', MAIL_FROM: 'id@example.com', MAIL_SEND_INTERVAL_SECONDS: '2' });
    expect(config).toMatchObject({ smtpUrl: 'smtps://user:secret@smtp.example.com:465', mailFrom: 'id@example.com', mailSendIntervalSeconds: 2 });
  });

  it('refuses an SMTP_URL that is no SMTP URL without repeating its password', () => {
    for (const url of ['https://user:hunter2@smtp.example.com', 'smtp:hunter2', 'not a url hunter2']) {
      const message = configError({ SMTP_URL: url });
      expect(message).toContain('SMTP_URL must be smtp://');
      expect(message).not.toContain('hunter2');
    }
  });

  it('refuses a MAIL_FROM that is not a bare address', () => {
    for (const from of ['Acme <id@example.com>', 'example.com', 'a@b@c', 'id@example.com, other@example.com']) {
      expect(configError({ MAIL_FROM: from })).toContain('MAIL_FROM must be a bare address');
    }
  });
});

describe('rate limit configuration', () => {
  it("gives every tenant the platform's budgets, 0 for none, and refuses anything but a whole number", () => {
    expect(loadConfig(base).rateLimits).toEqual({ token: 60_000, tokenPerClient: 30_000, authorization: 12_000, authorizationPerClient: 6_000, api: 6_000 });
    const set = loadConfig({
      ...base,
      RATE_LIMIT_TOKEN_PER_MINUTE: '0',
      RATE_LIMIT_TOKEN_PER_CLIENT_PER_MINUTE: '100',
      RATE_LIMIT_AUTHORIZATION_PER_MINUTE: '200',
      RATE_LIMIT_AUTHORIZATION_PER_CLIENT_PER_MINUTE: '300',
      RATE_LIMIT_API_PER_MINUTE: '400',
    });
    expect(set.rateLimits).toEqual({ token: 0, tokenPerClient: 100, authorization: 200, authorizationPerClient: 300, api: 400 });
    expect(configError({ RATE_LIMIT_API_PER_MINUTE: '-1' })).toBe('RATE_LIMIT_API_PER_MINUTE must be an integer from 0 to 100000000, got "-1"');
    expect(configError({ RATE_LIMIT_TOKEN_PER_MINUTE: 'lots' })).toContain('RATE_LIMIT_TOKEN_PER_MINUTE must be an integer');
  });
});

describe('RESTORE_UPLOAD_MAX_BYTES', () => {
  it('is 10 GiB unless set, and takes a whole number of bytes from 1024 to 2^40', () => {
    expect(loadConfig(base).restoreUploadMaxBytes).toBe(10 * 1024 ** 3);
    expect(loadConfig({ ...base, RESTORE_UPLOAD_MAX_BYTES: '1048576' }).restoreUploadMaxBytes).toBe(1_048_576);
    for (const raw of ['1023', '2e12', '1.5', 'lots']) {
      expect(configError({ RESTORE_UPLOAD_MAX_BYTES: raw })).toContain('RESTORE_UPLOAD_MAX_BYTES must be an integer from 1024 to 1099511627776');
    }
  });
});

describe('tenant hosts configuration', () => {
  it('reads BASE_DOMAIN lowercased, and DNS_RESOLVER as a list; both unset by default', () => {
    expect(loadConfig(base)).toMatchObject({ baseDomain: undefined, dnsResolvers: undefined });
    const config = loadConfig({ ...base, BASE_DOMAIN: 'ID.Example.com', DNS_RESOLVER: '127.0.0.1:5353, 10.0.0.2' });
    expect(config.baseDomain).toBe('id.example.com');
    expect(config.dnsResolvers).toEqual(['127.0.0.1:5353', '10.0.0.2']);
    expect(loadConfig({ ...base, BASE_DOMAIN: 'localhost' }).baseDomain).toBe('localhost');
  });

  it('refuses a BASE_DOMAIN with a scheme, port, path or a bad label, and a DNS_RESOLVER that is no address', () => {
    for (const value of ['https://id.example.com', 'id.example.com:8443', 'id.example.com/x', 'example', '-bad.example.com', '10.0.0.1']) {
      expect(configError({ BASE_DOMAIN: value })).toContain('BASE_DOMAIN must be a domain name');
    }
    for (const value of ['dns.example.com', '127.0.0.1:port', '1.2.3']) {
      expect(configError({ DNS_RESOLVER: value })).toContain('DNS_RESOLVER must be');
    }
  });
});
