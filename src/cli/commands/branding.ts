import fs from 'node:fs';
import path from 'node:path';
import { UsageError, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { LOCALES } from '../../modules/branding/locales.ts';
import { LOGO_CONTENT_TYPES } from '../../modules/branding/branding.ts';
import type { BrandingChangeView } from '../../modules/branding/branding-view.ts';

const LOGO_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

/** `default` puts a field back (null), anything else is the value; the service judges it. */
const valueOrReset = (raw: string | undefined) => (raw === undefined ? undefined : raw === 'default' ? null : raw);

function readFileOption(options: ParsedOptions, name: string): Buffer | null | undefined {
  const file = stringOption(options, name);
  if (file === undefined) return undefined;
  if (file === 'none') return null;
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(`--${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The flags as a change in the API's shape; undefined when none is given (then the command only shows). */
function changeOf(options: ParsedOptions): BrandingChangeView | undefined {
  const change: BrandingChangeView = {
    display_name: valueOrReset(stringOption(options, 'display-name')),
    primary_color: valueOrReset(stringOption(options, 'primary-color')),
    accent_color: valueOrReset(stringOption(options, 'accent-color')),
    default_language: stringOption(options, 'default-language'),
  };
  const css = readFileOption(options, 'css-file');
  if (css !== undefined) change.custom_css = css === null ? null : css.toString('utf8');
  const logo = readFileOption(options, 'logo-file');
  if (logo !== undefined) {
    const type = LOGO_TYPES_BY_EXTENSION[path.extname(stringOption(options, 'logo-file')!).toLowerCase()];
    if (logo !== null && !type) throw new UsageError(`--logo-file must be a ${Object.keys(LOGO_TYPES_BY_EXTENSION).join(', ')} file`);
    change.logo = logo === null ? null : `data:${type};base64,${logo.toString('base64')}`;
  }
  const given = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
  return Object.keys(given).length > 0 ? given : undefined;
}

export const brandingCommand: CommandSpec = {
  path: ['branding'],
  args: ['<tenant>'],
  summary: "Show a tenant's branding (name, logo, colours, custom CSS) and default language, or change them; every hosted page and mail shows them",
  options: [
    { name: 'display-name', description: 'the name pages and mails show (default: the registered display name)' },
    { name: 'primary-color', description: 'buttons and focus rings: #rgb or #rrggbb, or default' },
    { name: 'accent-color', description: 'links and secondary buttons: #rgb or #rrggbb, or default' },
    { name: 'css-file', description: 'a file of custom CSS (at most 8 KiB; no @import, no url() off this host), or none' },
    { name: 'logo-file', description: `a logo image (${LOGO_CONTENT_TYPES.join(', ')}, at most 64 KiB), or none` },
    { name: 'default-language', description: `the language when the browser asks for none of ours: ${LOCALES.join(' | ')}` },
  ],
  validate({ options }) {
    const language = stringOption(options, 'default-language');
    if (language !== undefined && !(LOCALES as readonly string[]).includes(language)) throw new UsageError(`--default-language must be one of ${LOCALES.join(', ')}, got "${language}"`);
  },
  async run(context) {
    const change = changeOf(context.options);
    const { withTenantScope } = await import('../../platform/tenant-access.ts');
    const { CLI_ACTOR } = await import('../../platform/tenant-scope.ts');
    const { readBranding, updateBranding } = await import('../../modules/branding/branding.service.ts');
    const { brandingChangeOf, brandingView } = await import('../../modules/branding/branding-view.ts');
    const view = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      brandingView(change === undefined ? await readBranding(scope.db) : await updateBranding(scope, brandingChangeOf(change), CLI_ACTOR), scope.issuer),
    );
    const text = [
      `display name      ${view.display_name ?? '(the registered name)'}`,
      `primary colour    ${view.primary_color ?? '(default)'}`,
      `accent colour     ${view.accent_color ?? '(default)'}`,
      `custom CSS        ${view.custom_css === null ? 'none' : `${Buffer.byteLength(view.custom_css)} bytes`}`,
      `logo              ${view.logo ? `${view.logo.content_type}, ${view.logo.bytes} bytes, ${view.logo.url}` : 'none'}`,
      `default language  ${view.default_language}`,
    ].join('\n');
    return { data: view, text };
  },
};
