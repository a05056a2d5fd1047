import { UsageError, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { renderTable } from '../table.ts';
import type { AuditEventView } from '../../modules/audit/audit.service.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/audit/audit.service.ts')),
  ...(await import('../../db/page.ts')),
});

const MAX_LIMIT = 10_000;

function limitOf(options: ParsedOptions): number {
  const raw = stringOption(options, 'limit');
  if (raw === undefined) return 50;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${raw}"`);
  return limit;
}

/** `details` on one line, clipped: the table is for reading down; --json has all of it. */
function detailsText(details: Record<string, unknown>): string {
  const text = JSON.stringify(details);
  return text === '{}' ? '' : text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export const auditListCommand: CommandSpec = {
  path: ['audit', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's audit log, newest first: who did what to what, from where",
  options: [
    { name: 'action', description: 'only this action, e.g. settings.updated, signing_keys.rotated' },
    { name: 'actor', description: 'only this actor: cli, schedule, user:<id>, client:<id>, …' },
    { name: 'target', description: 'only events about this target (a user or client id, a key id, …)' },
    { name: 'since', description: 'only events at or after this instant (ISO 8601, e.g. 2026-12-01T00:00:00Z)' },
    { name: 'until', description: 'only events before this instant (ISO 8601)' },
    { name: 'limit', description: `at most this many events (default 50, at most ${MAX_LIMIT})` },
  ],
  validate({ options }) {
    limitOf(options);
  },
  async run(context) {
    const limit = limitOf(context.options);
    const query = {
      action: stringOption(context.options, 'action'),
      actor: stringOption(context.options, 'actor'),
      target: stringOption(context.options, 'target'),
      since: stringOption(context.options, 'since'),
      until: stringOption(context.options, 'until'),
    };
    const { withTenantScope, listAuditLog, MAX_PAGE_LIMIT } = await services();
    const events = await withTenantScope(context.platform, context.args[0]!, async (scope) => {
      const found: AuditEventView[] = [];
      let cursor: string | undefined;
      do {
        const page = await listAuditLog(scope, query, { limit: Math.min(MAX_PAGE_LIMIT, limit - found.length), ...(cursor ? { cursor } : {}) });
        found.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined && found.length < limit);
      return found;
    });
    const table = renderTable(events, [
      { header: 'TIME', value: (e) => e.occurred_at.replace(/\.\d+Z$/, 'Z') },
      { header: 'ACTOR', value: (e) => e.actor },
      { header: 'ACTION', value: (e) => e.action },
      { header: 'TARGET', value: (e) => e.target },
      { header: 'IP', value: (e) => e.ip },
      { header: 'DETAILS', value: (e) => detailsText(e.details) },
    ]);
    return { data: events, text: table };
  },
};
