import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { deleteSetting, lockSettings, readSetting, readSettings, writeSetting } from '../settings/settings.repository.ts';
import { brandingFrom, checkedBrandingChange, logoInfoOf, type Branding, type BrandingChange, type Logo, type LogoType } from './branding.ts';
import { brandingView, type BrandingView } from './branding-view.ts';

/**
 * A tenant's branding lives in its `settings` table: the small part under `branding` (read with
 * the tenant context, so a page view costs no query), the logo's bytes under `branding.logo`
 * (read only when the logo itself is asked for). A change announces `settings`: every node
 * rebuilds the tenant's context, and with it the branding it holds.
 */
const KEY = 'branding';
const LOGO_KEY = 'branding.logo';

export async function readBranding(db: TenantDb): Promise<Branding> {
  return brandingFrom(await readSetting(db, KEY));
}

/** The logo's bytes; undefined when the tenant has none. */
export async function readLogo(db: TenantDb): Promise<Logo | undefined> {
  const stored = (await readSetting(db, LOGO_KEY)) as { contentType?: LogoType; data?: string } | undefined;
  if (!stored?.contentType || typeof stored.data !== 'string') return undefined;
  return { contentType: stored.contentType, data: Buffer.from(stored.data, 'base64') };
}

export interface BrandingUpdateOptions {
  /** Judges the branding as it is, under the settings lock, before anything changes (If-Match). */
  precondition?: (current: Branding) => void;
}

/** What the audit log keeps of a change: the fields that changed; the CSS and logo only by size and digest. */
function auditedOf(view: BrandingView): Record<string, unknown> {
  const { custom_css, logo, ...rest } = view;
  return { ...rest, custom_css: custom_css === null ? null : { bytes: Buffer.byteLength(custom_css) }, logo: logo && { content_type: logo.content_type, bytes: logo.bytes, digest: logo.digest } };
}

/** Applies a change (fields absent stay, null resets), audited as `branding.updated`; a change that changes nothing writes nothing. */
export async function updateBranding(scope: TenantScope, change: BrandingChange, actor: Actor, options: BrandingUpdateOptions = {}): Promise<Branding> {
  const { fields, logo } = checkedBrandingChange(change);
  const { branding, changed } = await scope.db.transaction().execute(async (trx) => {
    await lockSettings(trx);
    const stored = await readSettings(trx, [KEY]);
    const before = brandingFrom(stored.get(KEY));
    options.precondition?.(before);
    const next: Record<string, unknown> = { ...((stored.get(KEY) ?? {}) as object), ...fields };
    if (logo !== undefined) next.logo = logo === null ? undefined : logoInfoOf(logo);
    const after = brandingFrom(JSON.parse(JSON.stringify(next)));
    const [was, is] = [auditedOf(brandingView(before, scope.issuer)), auditedOf(brandingView(after, scope.issuer))];
    const names = Object.keys(is).filter((name) => JSON.stringify(was[name]) !== JSON.stringify(is[name]));
    if (names.length === 0) return { branding: before, changed: false };
    await writeSetting(trx, KEY, after);
    if (logo === null) await deleteSetting(trx, LOGO_KEY);
    if (logo) await writeSetting(trx, LOGO_KEY, { contentType: logo.contentType, data: logo.data.toString('base64') });
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip ?? null,
      action: 'branding.updated',
      target: 'branding',
      details: { before: Object.fromEntries(names.map((name) => [name, was[name]])), after: Object.fromEntries(names.map((name) => [name, is[name]])) },
    });
    return { branding: after, changed: true };
  });
  if (changed) await scope.announce('settings');
  return branding;
}
