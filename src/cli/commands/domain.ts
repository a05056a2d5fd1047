import { UsageError, type CommandSpec } from '../command.ts';
import { renderTable, shortTime } from '../table.ts';
import type { DomainView, IssuerView } from '../../modules/domains/domain-view.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/domains/domains.service.ts')),
  ...(await import('../../modules/domains/domain-view.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
});

function issuerText(view: IssuerView): string {
  const lines = [`issuer  ${view.issuer}  (${view.form}${view.domain ? ` ${view.domain}` : ''})`];
  if (view.previous_issuer) lines.push(`  tokens of ${view.previous_issuer} stay valid until ${view.previous_issuer_valid_until}`);
  return lines.join('\n');
}

function verificationText(view: DomainView): string {
  return `  publish  ${view.verification.name}  TXT  "${view.verification.value}"`;
}

export const domainListCommand: CommandSpec = {
  path: ['domain', 'list'],
  args: ['<tenant>'],
  summary: "Show a tenant's issuer and its custom domains",
  async run(context) {
    const { withTenantScope, listDomains, issuerView, domainView } = await services();
    const listed = await withTenantScope(context.platform, context.args[0]!, (scope) => listDomains(context.platform, scope));
    const data = { issuer: issuerView(listed.issuer), domains: listed.domains.map(domainView) };
    const table = renderTable(data.domains, [
      { header: 'DOMAIN', value: (d) => d.domain },
      { header: 'STATUS', value: (d) => d.status },
      { header: 'TXT RECORD', value: (d) => `${d.verification.name} = ${d.verification.value}` },
      { header: 'ADDED', value: (d) => shortTime(new Date(d.created_at)) },
    ]);
    return { data, text: `${issuerText(data.issuer)}\n\n${table}` };
  },
};

export const domainAddCommand: CommandSpec = {
  path: ['domain', 'add'],
  args: ['<tenant>', '<domain>'],
  summary: 'Add a custom domain (e.g. auth.acme.com); prints the TXT record that proves it is yours',
  async run(context) {
    const { withTenantScope, addDomain, domainView, CLI_ACTOR } = await services();
    const [tenant, domain] = context.args as [string, string];
    const view = domainView(await withTenantScope(context.platform, tenant, (scope) => addDomain(context.platform, scope, domain, CLI_ACTOR)));
    return { data: view, text: [`added ${view.domain} (pending)`, verificationText(view), `  then: tansu domain verify ${tenant} ${view.domain}`].join('\n') };
  },
};

export const domainVerifyCommand: CommandSpec = {
  path: ['domain', 'verify'],
  args: ['<tenant>', '<domain>'],
  summary: "Look up the domain's TXT record; the domain is verified once it holds the challenge",
  async run(context) {
    const { withTenantScope, verifyDomain, domainView, CLI_ACTOR } = await services();
    const [tenant, domain] = context.args as [string, string];
    const view = domainView(await withTenantScope(context.platform, tenant, (scope) => verifyDomain(context.platform, scope, domain, CLI_ACTOR)));
    return { data: view, text: `${view.domain} is ${view.status}${view.status === 'verified' ? `; make it the issuer: tansu domain activate ${tenant} ${view.domain}` : ''}` };
  },
};

export const domainActivateCommand: CommandSpec = {
  path: ['domain', 'activate'],
  args: ['<tenant>', '<domain>'],
  summary: "Make a verified domain the tenant's issuer (tokens of the old issuer stay valid for a day)",
  async run(context) {
    const { withTenantScope, activateDomain, issuerView, CLI_ACTOR } = await services();
    const [tenant, domain] = context.args as [string, string];
    const view = issuerView(await withTenantScope(context.platform, tenant, (scope) => activateDomain(context.platform, scope, domain, CLI_ACTOR)));
    return { data: view, text: issuerText(view) };
  },
};

export const domainRemoveCommand: CommandSpec = {
  path: ['domain', 'remove'],
  args: ['<tenant>', '<domain>'],
  summary: 'Remove a custom domain; if it was the issuer, the issuer goes back to the path or subdomain form',
  async run(context) {
    const { withTenantScope, removeDomain, readIssuer, issuerView, CLI_ACTOR } = await services();
    const [tenant, domain] = context.args as [string, string];
    const issuer = await withTenantScope(context.platform, tenant, async (scope) => {
      await removeDomain(context.platform, scope, domain, CLI_ACTOR);
      return issuerView(await readIssuer(context.platform, scope));
    });
    return { data: { removed: domain.toLowerCase(), issuer }, text: `removed ${domain}\n${issuerText(issuer)}` };
  },
};

const FORMS = ['path', 'subdomain'] as const;

export const domainIssuerCommand: CommandSpec = {
  path: ['domain', 'issuer'],
  args: ['<tenant>', '<form>'],
  summary: 'Put the issuer in the path form (<public URL>/t/<id>) or the subdomain form (<id>.<BASE_DOMAIN>); an active domain stops being the issuer',
  validate({ args }) {
    if (!(FORMS as readonly string[]).includes(args[1] ?? '')) throw new UsageError(`<form> must be one of ${FORMS.join(', ')}, got "${args[1]}"`);
  },
  async run(context) {
    const { withTenantScope, setIssuerForm, issuerView, CLI_ACTOR } = await services();
    const [tenant, form] = context.args as [string, (typeof FORMS)[number]];
    const view = issuerView(await withTenantScope(context.platform, tenant, (scope) => setIssuerForm(context.platform, scope, form, CLI_ACTOR)));
    return { data: view, text: issuerText(view) };
  },
};

export const domainCommands: CommandSpec[] = [domainListCommand, domainAddCommand, domainVerifyCommand, domainActivateCommand, domainRemoveCommand, domainIssuerCommand];
