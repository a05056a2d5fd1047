import { AppError } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { checkPlaceholders, effectiveTemplate, MAIL_TEMPLATE_NAMES, type MailTemplateName } from './templates.ts';
import { deleteTemplateOverride, findTemplateOverride, listTemplateOverrides, saveTemplateOverride, type TemplateOverride } from './mail-templates.repository.ts';

/**
 * A tenant's wording of the mails it sends (`tansu mail template` and the tenant admin API's
 * `/mail/templates`): each built-in template, part by part, with the tenant's replacement where
 * it has one.
 */

type Part = 'subject' | 'text' | 'html';
const PARTS: readonly Part[] = ['subject', 'text', 'html'];

export interface TemplateView {
  name: MailTemplateName;
  subject: string;
  text: string;
  html: string;
  /** The parts the tenant has replaced; the others are the built-in ones. */
  overridden: Part[];
}

const storedPart = (override: TemplateOverride | undefined, part: Part) => (part === 'subject' ? override?.subject : override?.[`${part}_body`]);

function viewOf(name: MailTemplateName, override: TemplateOverride | undefined): TemplateView {
  return { name, ...effectiveTemplate(name, override), overridden: PARTS.filter((part) => storedPart(override, part) != null) };
}

/** Every template, in the order of MAIL_TEMPLATE_NAMES. */
export async function listMailTemplates(scope: TenantScope): Promise<TemplateView[]> {
  const overrides = new Map((await listTemplateOverrides(scope.db)).map((override) => [override.name, override]));
  return MAIL_TEMPLATE_NAMES.map((name) => viewOf(name, overrides.get(name)));
}

export async function readMailTemplate(scope: TenantScope, name: MailTemplateName): Promise<TemplateView> {
  return viewOf(name, await findTemplateOverride(scope.db, name));
}

export interface TemplateChange {
  name: MailTemplateName;
  /** Parts to replace; `''` puts a part back to the built-in one, an absent part stays as it is. */
  parts: Partial<Record<Part, string>>;
  /** Called with the template as it is inside the change's transaction, before changing it (If-Match). */
  precondition?: (current: TemplateView) => void;
}

/**
 * Replaces parts of a template for this tenant. Placeholders are checked now, so a typo is an
 * error here rather than a broken mail later. Audited with which parts were the tenant's before
 * and after (not the wording itself, which can be long).
 */
export async function saveMailTemplate(scope: TenantScope, change: TemplateChange, actor: Actor): Promise<TemplateView> {
  const { name, parts } = change;
  for (const [part, value] of Object.entries(parts)) if (value) checkPlaceholders(value, `the ${part} part`);
  if (parts.subject && /[\r\n]/.test(parts.subject)) throw new AppError('invalid_template', 'the subject is one line');
  const blankIsDefault = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);
  return scope.db.transaction().execute(async (trx) => {
    const before = viewOf(name, await findTemplateOverride(trx, name));
    change.precondition?.(before);
    const saved = viewOf(
      name,
      await saveTemplateOverride(trx, name, { subject: blankIsDefault(parts.subject), text_body: blankIsDefault(parts.text), html_body: blankIsDefault(parts.html) }),
    );
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip ?? null,
      action: 'mail.template_updated',
      target: name,
      details: { parts: PARTS.filter((part) => parts[part] !== undefined), before: { overridden: before.overridden }, after: { overridden: saved.overridden } },
    });
    return saved;
  });
}

/** Back to the built-in template; audited only when the tenant had its own. */
export async function resetMailTemplate(scope: TenantScope, change: Omit<TemplateChange, 'parts'>, actor: Actor): Promise<TemplateView> {
  const { name } = change;
  await scope.db.transaction().execute(async (trx) => {
    const before = viewOf(name, await findTemplateOverride(trx, name));
    change.precondition?.(before);
    if (await deleteTemplateOverride(trx, name)) {
      await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip ?? null, action: 'mail.template_reset', target: name, details: { before: { overridden: before.overridden }, after: { overridden: [] } } });
    }
  });
  return viewOf(name, undefined);
}
