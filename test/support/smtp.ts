import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from './ports.ts';

/** One mail as a real SMTP server received it: the envelope and the parsed message. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** The user the client logged in as. */
  user: string | undefined;
  mail: ParsedMail;
}

export interface TestSmtpServer {
  /** smtp://user:password@127.0.0.1:port, for SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Recipients answered `550` at RCPT TO: a permanent rejection. */
  readonly rejectRecipients: Set<string>;
  /** Recipients answered `450` at RCPT TO: try again later. */
  readonly deferRecipients: Set<string>;
  /** Stops listening (clients get connection refused), keeping the port for `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export const SMTP_USER = 'tansu';
export const SMTP_PASSWORD = 'smtp-secret';

/**
 * A real SMTP server on a free loopback port (smtp-server), with login required and plain text
 * allowed (loopback: no STARTTLS to set up), that parses what it receives with mailparser.
 */
export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const port = await freePort();
  const received: ReceivedMail[] = [];
  const rejectRecipients = new Set<string>();
  const deferRecipients = new Set<string>();
  let server: SMTPServer | undefined;

  const listen = async () => {
    const next = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      disableReverseLookup: true,
      closeTimeout: 100,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        if (rejectRecipients.has(address.address)) return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        if (deferRecipients.has(address.address)) return callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 450 }));
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (mail) => {
            const from = session.envelope.mailFrom;
            received.push({
              envelopeFrom: from ? from.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              user: typeof session.user === 'string' ? session.user : undefined,
              mail,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    next.on('error', () => {});
    server = next;
  };
  await listen();

  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    received,
    rejectRecipients,
    deferRecipients,
    async stop() {
      const closing = server;
      server = undefined;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}
