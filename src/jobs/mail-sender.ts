import { sql } from 'kysely';
import type { Platform } from '../platform/platform.ts';
import { findTenant, listTenants, type TenantRow } from '../platform/tenants.repository.ts';
import { openTenantPool } from '../platform/tenant-access.ts';
import type { TenantDb } from '../db/tenant-database.ts';
import { mailDeliveries, observeMailBacklog } from '../ops/metrics.ts';
import {
  claimDueMail, markMailDelivered, markMailFailed, nextMailDueAt, releaseMail, scheduleMailRetry, type MailRow,
} from '../modules/mail/mail-outbox.repository.ts';
import {
  claimDueTenants, countDueTenants, forgetDueTenant, markTenantMailDue, postponeDueTenant, settleDueTenant, type DueTenant,
} from '../modules/mail/mail-due.repository.ts';
import { readMailSenderSettings } from '../modules/mail/sender-settings.ts';
import { classifyDeliveryError, createMailTransport, describeDeliveryError, type MailTransport, type OutboundMail } from '../modules/mail/mail-transport.ts';
import { onMailAnnounced } from '../modules/mail/mail.service.ts';

/**
 * The outbox sender. Every process of every node runs one: it asks the platform database which
 * tenants have mail due (mail_due_tenants: one indexed query, however many tenants exist), takes
 * a few of them under a lease, opens a one-connection pool to each, and sends what is due there.
 * A tenant's database is opened only when it has mail, so 10,000 quiet tenants cost nothing.
 */

/** Backoff: 30 s doubling up to an hour; 15 attempts span about eight hours of SMTP trouble. */
export const MAX_ATTEMPTS = 15;
export const retryDelaySeconds = (attempt: number) => Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));

// Longer than any one visit (at most MAILS_PER_VISIT sends, each bounded by the transport's
// timeouts) or any one send: a lease that ran out hands the work to another sender.
const TENANT_LEASE_SECONDS = 300;
const MAIL_LEASE_SECONDS = 600;

export interface DeliveryOptions {
  transport: MailTransport;
  maxAttempts?: number;
  retryDelaySeconds?: (attempt: number) => number;
  /** Tenants one pass takes. */
  tenantsPerPass?: number;
  /** Tenants visited at once. */
  concurrency?: number;
  /** Mails claimed at once in one outbox, and at most per visit (the rest waits for the next pass). */
  batchSize?: number;
  mailsPerVisit?: number;
}

export interface PassResult {
  tenants: string[];
  sent: number;
  logged: number;
  retried: number;
  failed: number;
  /** The SMTP server could not be reached (or refused the login): the pass stopped early. */
  unreachable: boolean;
  /** As many tenants were due as one pass takes: there may be more. */
  more: boolean;
}

type Settled = Required<Omit<DeliveryOptions, 'transport'>> & { transport: MailTransport };

function withDefaults(options: DeliveryOptions): Settled {
  return {
    maxAttempts: MAX_ATTEMPTS,
    retryDelaySeconds,
    tenantsPerPass: 20,
    concurrency: 4,
    batchSize: 10,
    mailsPerVisit: 200,
    ...(Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as DeliveryOptions),
  };
}

/** One pass: every tenant due now (up to tenantsPerPass), each outbox's due mail sent, retried or given up. */
export async function deliverDueMail(platform: Platform, options: DeliveryOptions): Promise<PassResult> {
  const settled = withDefaults(options);
  const claims = await claimDueTenants(platform.db, { limit: settled.tenantsPerPass, leaseSeconds: TENANT_LEASE_SECONDS });
  const result: PassResult = { tenants: [], sent: 0, logged: 0, retried: 0, failed: 0, unreachable: false, more: claims.length === settled.tenantsPerPass };
  let index = 0;
  const worker = async () => {
    while (index < claims.length) {
      const claim = claims[index++]!;
      try {
        if (result.unreachable) await postponeDueTenant(platform.db, claim, settled.retryDelaySeconds(1));
        else await visitTenant(platform, claim, settled, result);
      } catch (error) {
        // Its database or ours is away: the claim's lease brings the tenant back after it.
        platform.log.warn({ tenant: claim.tenant_id, err: (error as Error).message }, 'mail sender could not work on a tenant; trying again later');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(settled.concurrency, claims.length) }, worker));
  return result;
}

async function visitTenant(platform: Platform, claim: DueTenant, options: Settled, result: PassResult): Promise<void> {
  const tenant = await findTenant(platform.db, claim.tenant_id);
  if (tenant?.status === 'maintenance') return postponeDueTenant(platform.db, claim, 30);
  if (!tenant || (tenant.status !== 'active' && tenant.status !== 'suspended')) return forgetDueTenant(platform.db, claim.tenant_id);
  const db = await openTenantPool(platform, tenant, 1, 'tansu-mail');
  let next: Date | null;
  try {
    await sendOutbox(platform, tenant, db, options, result);
    next = await nextMailDueAt(db);
  } finally {
    await db.destroy();
  }
  result.tenants.push(tenant.id);
  await settleDueTenant(platform.db, claim, next);
}

/** Sends what is due in one tenant's outbox, under that tenant's sender settings read from the same database. */
async function sendOutbox(platform: Platform, tenant: TenantRow, db: TenantDb, options: Settled, result: PassResult): Promise<void> {
  const settings = await readMailSenderSettings({ db });
  const from = { name: settings.fromName ?? tenant.display_name, address: settings.fromAddress ?? platform.config.mailFrom };
  for (let handled = 0; handled < options.mailsPerVisit && !result.unreachable; ) {
    const batch = await claimDueMail(db, { limit: options.batchSize, leaseSeconds: MAIL_LEASE_SECONDS });
    for (const [position, mail] of batch.entries()) {
      if (result.unreachable) {
        await releaseMail(db, batch.slice(position).map((m) => m.id), options.retryDelaySeconds(1));
        break;
      }
      const outbound: OutboundMail = {
        tenant: tenant.id,
        from,
        replyTo: settings.replyTo ?? undefined,
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text_body ?? '',
        html: mail.html_body ?? '',
        messageId: `<${mail.id}@${from.address.slice(from.address.lastIndexOf('@') + 1)}>`,
      };
      await deliverOne(platform, db, mail, outbound, options, result);
    }
    handled += batch.length;
    if (batch.length < options.batchSize) break;
  }
}

async function deliverOne(platform: Platform, db: TenantDb, mail: MailRow, outbound: OutboundMail, options: Settled, result: PassResult): Promise<void> {
  try {
    await options.transport.deliver(outbound);
  } catch (error) {
    const problem = classifyDeliveryError(error);
    const attempts = mail.attempts + 1;
    const reason = describeDeliveryError(error);
    if (problem === 'unreachable') result.unreachable = true;
    if (problem === 'rejected' || attempts >= options.maxAttempts) {
      await markMailFailed(db, mail.id, attempts, reason);
      result.failed++;
      mailDeliveries.inc({ outcome: 'failed' });
      platform.log.warn({ tenant: outbound.tenant, mail: mail.id, template: mail.template, attempts, err: reason }, 'mail given up; `tansu mail retry` sends it again');
    } else {
      await scheduleMailRetry(db, mail.id, attempts, reason, options.retryDelaySeconds(attempts));
      result.retried++;
      mailDeliveries.inc({ outcome: 'retried' });
      platform.log.warn({ tenant: outbound.tenant, mail: mail.id, attempts, err: reason }, 'mail not delivered; will retry');
    }
    return;
  }
  const state = options.transport.kind === 'smtp' ? 'sent' : 'logged';
  await markMailDelivered(db, mail.id, state);
  result[state]++;
  mailDeliveries.inc({ outcome: state });
}

// Only one node sweeps the outboxes at a time (a transaction-level try-lock on the platform database).
const SWEEP_LOCK_CLASS = 7_411_003;
const SWEEP_LOCK = 1;

/**
 * The safety net under the announcements: visits every serving tenant's outbox and marks those
 * with mail pending. An announcement is lost when the process dies between the caller's commit
 * and announceMail, or the platform database is away at that moment; a restored or moved
 * database may bring queued mail with it. Returns the tenants found with mail, or undefined when
 * another node held the sweep.
 */
export async function sweepOutboxes(platform: Platform, options: { concurrency?: number } = {}): Promise<string[] | undefined> {
  return platform.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK_CLASS}, ${SWEEP_LOCK}) AS locked`.execute(trx);
    if (!rows[0]?.locked) return undefined;
    const tenants = await listTenants(platform.db, { statuses: ['active', 'suspended'] });
    const found: string[] = [];
    let index = 0;
    const worker = async () => {
      while (index < tenants.length) {
        const tenant = tenants[index++]!;
        try {
          const db = await openTenantPool(platform, tenant, 1, 'tansu-mail');
          let due: Date | null;
          try {
            due = await nextMailDueAt(db);
          } finally {
            await db.destroy();
          }
          if (due === null) continue;
          await markTenantMailDue(platform.db, tenant.id, due);
          found.push(tenant.id);
        } catch (error) {
          platform.log.warn({ tenant: tenant.id, err: (error as Error).message }, 'outbox sweep skipped a tenant');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, tenants.length) }, worker));
    platform.log.info({ tenants: tenants.length, withMail: found.length }, 'outbox sweep done');
    return found;
  });
}

export interface MailSender {
  readonly transport: MailTransport;
  stop(): Promise<void>;
}

export interface MailSenderOptions extends Partial<DeliveryOptions> {
  intervalSeconds: number;
  /** How often a node offers to sweep every outbox (sweepOutboxes); default hourly. */
  sweepIntervalSeconds?: number;
}

/**
 * Runs a pass every `intervalSeconds`, and at once when this process announces mail (a user
 * asking for a reset link gets it without waiting for the next tick). When the outbox is empty
 * a pass is one query on the platform database.
 */
export function startMailSender(platform: Platform, options: MailSenderOptions): MailSender {
  // A transport handed in (tests) belongs to the caller; one made here is closed by stop().
  const transport = options.transport ?? createMailTransport(platform.config, platform.log);
  const ownsTransport = options.transport === undefined;
  const delivery: DeliveryOptions = { ...options, transport };
  const intervalMs = options.intervalSeconds * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wanted = false;
  // A platform database that is away fails every pass: one line when that starts, one when it ends.
  let failing = false;

  const pass = () => {
    if (stopped) return;
    if (running) {
      wanted = true; // an announcement during a pass: one more pass right after it
      return;
    }
    clearTimeout(timer);
    running = (async () => {
      for (let more = true; more && !stopped; ) {
        const result = await deliverDueMail(platform, delivery);
        more = result.more && !result.unreachable;
      }
      if (failing) platform.log.info('mail sender passes work again');
      failing = false;
    })()
      .catch((error: Error) => {
        if (!failing) platform.log.error({ err: error.message }, 'mail sender pass failed; retrying every interval');
        failing = true;
      })
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (wanted) {
          wanted = false;
          pass();
        } else {
          schedule(intervalMs);
        }
      });
  };
  const schedule = (delayMs: number) => {
    timer = setTimeout(pass, delayMs);
    timer.unref();
  };
  schedule(Math.random() * intervalMs);
  const stopListening = onMailAnnounced(platform, pass);
  const stopObserving = observeMailBacklog(() => countDueTenants(platform.db));

  const sweepMs = (options.sweepIntervalSeconds ?? 3600) * 1000;
  let sweeping: Promise<unknown> = Promise.resolve();
  let sweepTimer: NodeJS.Timeout | undefined;
  const scheduleSweep = (delayMs: number) => {
    sweepTimer = setTimeout(() => {
      sweeping = sweepOutboxes(platform)
        .catch((error: Error) => platform.log.error({ err: error.message }, 'outbox sweep failed'))
        .finally(() => {
          if (!stopped) scheduleSweep(sweepMs);
        });
    }, delayMs);
    sweepTimer.unref();
  };
  // The first one a few minutes after start, spread over the nodes of a fleet starting together.
  scheduleSweep(Math.min(sweepMs, 60_000 + Math.random() * 540_000));

  return {
    transport,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(sweepTimer);
      stopListening();
      stopObserving();
      await Promise.all([running, sweeping]);
      if (ownsTransport) transport.close();
    },
  };
}
