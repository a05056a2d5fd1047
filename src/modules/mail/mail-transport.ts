import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';

/** One mail as it leaves the outbox, with its tenant's sender already applied. */
export interface OutboundMail {
  tenant: string;
  from: { name: string; address: string };
  replyTo: string | undefined;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The same for every attempt at one outbox row, so a mail delivered twice (a sender died after SMTP accepted it) is recognisably one. */
  messageId: string;
}

export interface MailTransport {
  /** `log`: no SMTP_URL, mails are written to the log and kept in the outbox as `logged`. */
  readonly kind: 'smtp' | 'log';
  deliver(mail: OutboundMail): Promise<void>;
  close(): void;
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);

/**
 * nodemailer's pooled SMTP transport on SMTP_URL. Its query string takes nodemailer's options
 * (`?requireTLS=false`, `?tls.servername=…`) over the defaults here. An smtp:// URL to another
 * machine must upgrade with STARTTLS before it logs in or sends (`requireTLS`), so credentials and
 * links never cross the network in the clear because a middlebox hid the server's STARTTLS; a
 * relay on the loopback interface may speak plain SMTP. The timeouts are short: a sender waiting
 * two minutes on a dead server (nodemailer's default) holds its claimed mail all that time.
 */
export function smtpTransportOptions(smtpUrl: string) {
  const url = new URL(smtpUrl);
  return {
    url: smtpUrl,
    pool: true as const,
    maxConnections: 2,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    requireTLS: url.protocol === 'smtp:' && !isLoopback(url.hostname),
  };
}

function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpTransportOptions(smtpUrl));
  return {
    kind: 'smtp',
    async deliver(mail) {
      await transporter.sendMail({
        from: mail.from,
        replyTo: mail.replyTo,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        // RFC 3834: an automatic mail, so auto-responders do not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    },
    close: () => transporter.close(),
  };
}

const LINK = /https?:\/\/[^\s<>"']+/g;

/**
 * Development without a mail server: the mail's links and text in the log. In production the
 * log gets who and what only: a reset or sign-in link in a log collector hands the account to
 * whoever reads the logs.
 */
function logTransport(log: Logger, withContent: boolean): MailTransport {
  return {
    kind: 'log',
    async deliver(mail) {
      const head = { tenant: mail.tenant, to: mail.to, subject: mail.subject };
      if (!withContent) return log.warn(head, 'mail not sent: SMTP_URL is unset (its links are not logged in production)');
      const links = [...new Set(mail.text.match(LINK) ?? [])];
      log.info({ ...head, links, text: mail.text }, 'mail not sent (SMTP_URL is unset); logged instead');
    },
    close() {},
  };
}

export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'env'>, log: Logger): MailTransport {
  return config.smtpUrl ? smtpTransport(config.smtpUrl) : logTransport(log, config.env !== 'production');
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  permanent?: boolean;
  response?: string;
  message?: string;
}

/**
 * What a failed delivery means for the outbox. `rejected`: the server refused this message or
 * recipient for good (a 5xx reply to the envelope or the data), so trying again is pointless.
 * `deferred`: refused for now (4xx), try this mail later. `unreachable`: no conversation about
 * the mail at all (connection, TLS, login): every other mail would meet the same, so the sender
 * stops and tries again later, and no mail is given up for a fault of the platform's own.
 */
export function classifyDeliveryError(error: unknown): 'rejected' | 'deferred' | 'unreachable' {
  const { code, permanent } = (error ?? {}) as SmtpError;
  if (code !== 'EENVELOPE' && code !== 'EMESSAGE') return 'unreachable';
  return permanent === true ? 'rejected' : 'deferred';
}

/** For `last_error`: the code and the server's reply, which say what went wrong without any credential. */
export function describeDeliveryError(error: unknown): string {
  const { code, response, message } = (error ?? {}) as SmtpError;
  const text = [code, response ?? message].filter(Boolean).join(': ') || String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
