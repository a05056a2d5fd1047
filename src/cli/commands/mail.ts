import fs from 'node:fs';
import { UsageError, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { renderTable, shortTime } from '../table.ts';
import type { MailView } from '../../modules/mail/mail-outbox.service.ts';
import { MAIL_STATES, MAIL_TEMPLATE_NAMES, MAIL_VARIABLES, parseMailState, parseTemplateName } from '../../modules/mail/mail-names.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../db/page.ts')),
  ...(await import('../../modules/mail/mail.service.ts')),
  ...(await import('../../modules/mail/mail-outbox.service.ts')),
  ...(await import('../../modules/mail/mail-templates.service.ts')),
  ...(await import('../../modules/mail/sender-settings.ts')),
});

function limitOf(options: ParsedOptions): number {
  const raw = stringOption(options, 'limit');
  if (raw === undefined) return 100;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError(`--limit must be a whole number from 1 to 10000, got "${raw}"`);
  return limit;
}

export const mailListCommand: CommandSpec = {
  path: ['mail', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's outbox, newest first: state, attempts, next attempt and last error of each mail",
  options: [
    { name: 'state', description: `only mails in this state: ${MAIL_STATES.join(' | ')}` },
    { name: 'limit', description: 'at most this many mails (default 100)' },
  ],
  validate({ options }) {
    const state = stringOption(options, 'state');
    if (state !== undefined && !(MAIL_STATES as readonly string[]).includes(state)) {
      throw new UsageError(`--state must be one of ${MAIL_STATES.join(', ')}, got "${state}"`);
    }
    limitOf(options);
  },
  async run(context) {
    const raw = stringOption(context.options, 'state');
    const limit = limitOf(context.options);
    const { withTenantScope, listOutbox, MAX_PAGE_LIMIT } = await services();
    const filter = { state: raw === undefined ? undefined : parseMailState(raw) };
    // The newest `limit` mails, a page at a time, as the admin API reads them.
    const mails = await withTenantScope(context.platform, context.args[0]!, async (scope) => {
      const found: MailView[] = [];
      let cursor: string | undefined;
      do {
        const page = await listOutbox(scope, filter, { limit: Math.min(MAX_PAGE_LIMIT, limit - found.length), ...(cursor === undefined ? {} : { cursor }) });
        found.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined && found.length < limit);
      return found;
    });
    const pending = (state: string) => state === 'queued' || state === 'sending';
    const at = (iso: string | null) => (iso === null ? null : new Date(iso));
    const table = renderTable(mails, [
      { header: 'ID', value: (m) => m.id },
      { header: 'STATE', value: (m) => m.state },
      { header: 'TO', value: (m) => m.to_address },
      { header: 'TEMPLATE', value: (m) => m.template },
      { header: 'ATTEMPTS', value: (m) => m.attempts, align: 'right' },
      { header: 'CREATED', value: (m) => shortTime(at(m.created_at)) },
      { header: 'SENT / NEXT', value: (m) => (pending(m.state) ? `next ${shortTime(at(m.next_attempt_at))}` : shortTime(at(m.sent_at))) },
      { header: 'LAST ERROR', value: (m) => m.last_error },
    ]);
    return { data: mails, text: table };
  },
};

export const mailRetryCommand: CommandSpec = {
  path: ['mail', 'retry'],
  args: ['<tenant>', '<id>'],
  summary: 'Queue a failed mail again (its attempts count from zero); senders pick it up within seconds',
  async run(context) {
    const [tenant, id] = context.args;
    const { withTenantScope, retryMail, announceMail, CLI_ACTOR } = await services();
    const mail = await withTenantScope(context.platform, tenant!, (scope) =>
      retryMail(scope, { mailId: id!, announce: () => announceMail(context.platform, scope.id) }, CLI_ACTOR),
    );
    return { data: mail, text: `queued ${mail.id} to ${mail.to_address} again` };
  },
};

export const mailSenderCommand: CommandSpec = {
  path: ['mail', 'sender'],
  args: ['<tenant>'],
  summary: "Show or change who a tenant's mail comes from (name, address, Reply-To); '' restores a default",
  options: [
    { name: 'from-name', description: "sender name (default: the tenant's display name)" },
    { name: 'from-address', description: 'sender address (default: MAIL_FROM); your SMTP server must accept it' },
    { name: 'reply-to', description: 'Reply-To address (default: none)' },
  ],
  async run(context) {
    const changes = {
      fromName: stringOption(context.options, 'from-name'),
      fromAddress: stringOption(context.options, 'from-address'),
      replyTo: stringOption(context.options, 'reply-to'),
    };
    const changing = Object.values(changes).some((value) => value !== undefined);
    const { withTenantScope, readMailSenderSettings, updateMailSenderSettings, CLI_ACTOR } = await services();
    const settings = await withTenantScope(context.platform, context.args[0]!, (scope) =>
      changing ? updateMailSenderSettings(scope, changes, CLI_ACTOR) : readMailSenderSettings(scope),
    );
    const data = { from_name: settings.fromName, from_address: settings.fromAddress, reply_to: settings.replyTo };
    const text = [
      `from name     ${settings.fromName ?? "(the tenant's display name)"}`,
      `from address  ${settings.fromAddress ?? `(MAIL_FROM: ${context.platform.config.mailFrom})`}`,
      `reply-to      ${settings.replyTo ?? '(none)'}`,
    ].join('\n');
    return { data, text };
  },
};

function readPart(options: ParsedOptions, name: string): string | undefined {
  const file = stringOption(options, name);
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--${name}: cannot read "${file}": ${(error as Error).message}`);
  }
}

export const mailTemplateCommand: CommandSpec = {
  path: ['mail', 'template'],
  args: ['<tenant>', '<name>'],
  summary: `Show a tenant's mail template (${MAIL_TEMPLATE_NAMES.join(', ')}), replace its parts, or reset it to the built-in one`,
  options: [
    { name: 'subject', description: `subject line; placeholders: ${MAIL_VARIABLES.map((v) => `{{${v}}}`).join(' ')}` },
    { name: 'text-file', description: 'file with the plain-text part' },
    { name: 'html-file', description: 'file with the HTML part (values are HTML-escaped into it)' },
    { name: 'reset', description: 'drop the tenant’s version: the built-in template applies again', type: 'boolean' },
  ],
  validate({ args, options }) {
    try {
      parseTemplateName(args[1]);
    } catch {
      throw new UsageError(`<name> must be one of ${MAIL_TEMPLATE_NAMES.join(', ')}, got "${args[1]}"`);
    }
    const editing = ['subject', 'text-file', 'html-file'].some((name) => options[name] !== undefined);
    if (editing && options.reset === true) throw new UsageError('--reset cannot be combined with --subject, --text-file or --html-file');
  },
  async run(context) {
    const name = parseTemplateName(context.args[1]);
    const parts = {
      subject: stringOption(context.options, 'subject'),
      text: readPart(context.options, 'text-file'),
      html: readPart(context.options, 'html-file'),
    };
    const editing = Object.values(parts).some((part) => part !== undefined);
    const { withTenantScope, readMailTemplate, saveMailTemplate, resetMailTemplate, CLI_ACTOR } = await services();
    const view = await withTenantScope(context.platform, context.args[0]!, (scope) => {
      if (context.options.reset === true) return resetMailTemplate(scope, { name }, CLI_ACTOR);
      return editing ? saveMailTemplate(scope, { name, parts }, CLI_ACTOR) : readMailTemplate(scope, name);
    });
    const origin = view.overridden.length > 0 ? `tenant's own: ${view.overridden.join(', ')}` : 'built-in';
    return { data: view, text: [`${view.name} (${origin})`, `subject: ${view.subject}`, '', view.text, '', view.html].join('\n') };
  },
};

export const mailCommands: CommandSpec[] = [mailListCommand, mailRetryCommand, mailSenderCommand, mailTemplateCommand];
