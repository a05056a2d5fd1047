import { Type, type TLiteral } from 'typebox';
import { CUSTOM_CSS_MAX_BYTES } from '../../modules/branding/custom-css.ts';
import { DISPLAY_NAME_MAX, LOGO_CONTENT_TYPES, LOGO_MAX_BYTES } from '../../modules/branding/branding.ts';
import { LOCALES, type Locale } from '../../modules/branding/locales.ts';
import { ADMIN_ERRORS, IfMatchHeaders, PRECONDITION_FAILED } from './admin-schemas.ts';
import { HtmlPage, TenantParams, errorResponses } from '../schemas.ts';

const tags = ['branding'];

const Language = Type.Union(LOCALES.map((locale) => Type.Literal(locale)) as [TLiteral<Locale>], {
  description: 'the language of pages and mails when neither ui_locales nor Accept-Language names one of ours (default en)',
});
const Color = (what: string) => Type.String({ maxLength: 7, description: `${what}: a hex colour, #rgb or #rrggbb` });
const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const Branding = Type.Object(
  {
    display_name: nullable(Type.String({ description: 'the name pages and mails show; null: the tenant\'s registered name' })),
    primary_color: nullable(Color('buttons and focus rings')),
    accent_color: nullable(Color('links and secondary buttons')),
    custom_css: nullable(Type.String({ description: 'the tenant\'s own CSS, served at <issuer>/branding/style.css' })),
    default_language: Language,
    logo: Type.Union([
      Type.Object(
        {
          content_type: Type.String(),
          bytes: Type.Integer(),
          digest: Type.String({ description: 'names the logo\'s version in its URL' }),
          url: Type.String({ description: '<issuer>/branding/logo?v=<digest>' }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    stylesheet_url: Type.Union([Type.String({ description: 'the stylesheet every page links' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const ERROR_400 = `invalid_request; invalid_branding (a colour, the name, the language or the logo); invalid_custom_css (what the CSS may not contain: see the README)`;

export const BrandingChange = Type.Object(
  {
    display_name: Type.Optional(Type.Union([Type.String({ maxLength: DISPLAY_NAME_MAX }), Type.Null()])),
    primary_color: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
    accent_color: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
    custom_css: Type.Optional(Type.Union([Type.String({ description: `at most ${CUSTOM_CSS_MAX_BYTES} bytes; no @import, no url() off this host, no backslash, no "<"` }), Type.Null()])),
    default_language: Type.Optional(Type.String({ maxLength: 16, description: `one of ${LOCALES.join(', ')}` })),
    logo: Type.Optional(
      Type.Union([
        Type.String({ description: `a data URL (data:image/png;base64,…): ${LOGO_CONTENT_TYPES.join(', ')}, at most ${LOGO_MAX_BYTES / 1024} KiB; stored in the tenant database` }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const readBrandingSchema = {
  summary: "The tenant's branding and default language (with an ETag)",
  tags,
  params: TenantParams,
  response: { 200: Branding, ...errorResponses(ADMIN_ERRORS) },
};

export const updateBrandingSchema = {
  summary: 'Change the branding (honours If-Match): every hosted page and mail shows it from then on; null puts a field back to its default',
  tags,
  params: TenantParams,
  headers: IfMatchHeaders,
  body: Type.Object(BrandingChange.properties, { additionalProperties: false, minProperties: 1 }),
  response: { 200: Branding, ...errorResponses({ ...ADMIN_ERRORS, ...PRECONDITION_FAILED, 400: ERROR_400 }) },
};

export const previewBrandingSchema = {
  summary: "The login page as it would look with a draft branding, nothing stored (for the console's preview frame)",
  tags,
  params: TenantParams,
  body: Type.Object({ ...BrandingChange.properties, language: Type.Optional(Type.String({ maxLength: 16, description: 'the language to show, as ui_locales' })) }, { additionalProperties: false }),
  response: { 200: { description: 'the login page, sandboxed, framable by the console only', content: { 'text/html': { schema: HtmlPage } } }, ...errorResponses({ ...ADMIN_ERRORS, 400: ERROR_400 }) },
};
