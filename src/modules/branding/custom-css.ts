import { AppError } from '../../errors.ts';

/** Enough for colours, spacing and a few overrides; a whole theme belongs in a product, not here. */
export const CUSTOM_CSS_MAX_BYTES = 8 * 1024;

const refuse = (why: string) => new AppError('invalid_custom_css', `custom_css ${why}`);

/**
 * A tenant's stylesheet is served from the tenant's own path as a separate file, so the pages keep
 * `style-src 'self'` (no 'unsafe-inline') and it could not break out of a `<style>` element even
 * if it tried. The policy already stops a load from another origin; these checks refuse, with a
 * clear error when saved, what could only be an attempt at one, so nobody is surprised by a rule
 * the browser silently drops:
 *
 * - `@import` (another stylesheet, possibly elsewhere);
 * - `url(…)` other than a path on this host (`/…`, not `//…`), and `image-set(…)`, which loads
 *   without `url(`;
 * - a backslash: CSS escapes would let `@import` or `url(` hide as `@\69mport`;
 * - `<` (no `</style`, no markup) and control characters;
 * - old script hooks: `expression(`, `behavior:`, `-moz-binding`, `javascript:`;
 * - unclosed comments or unbalanced braces, which would swallow the rules after them.
 */
export function checkCustomCss(css: string): string {
  if (Buffer.byteLength(css, 'utf8') > CUSTOM_CSS_MAX_BYTES) throw refuse(`is longer than ${CUSTOM_CSS_MAX_BYTES} bytes`);
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(css)) throw refuse('contains control characters');
  if (css.includes('\\')) throw refuse('may not contain a backslash (CSS escapes could hide what the other rules refuse)');
  if (css.includes('<')) throw refuse('may not contain "<" (no markup, no </style>)');
  const lower = css.toLowerCase();
  if (lower.includes('@import')) throw refuse('may not use @import');
  for (const word of ['expression(', 'behavior:', '-moz-binding', 'javascript:', 'image-set(']) {
    if (lower.replace(/\s+/g, '').includes(word)) throw refuse(`may not use ${word.replace(/[(:]$/, '')}`);
  }
  for (const match of lower.matchAll(/url\(\s*(['"]?)([^'")]*)/g)) {
    const target = match[2]!.trim();
    if (!target.startsWith('/') || target.startsWith('//')) throw refuse(`may use url() only with a path on this host ("/…"), not "${target.slice(0, 60)}"`);
  }
  const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '');
  if (withoutComments.includes('/*')) throw refuse('has an unclosed comment');
  let depth = 0;
  for (const char of withoutComments) {
    if (char === '{') depth += 1;
    if (char === '}' && --depth < 0) break;
  }
  if (depth !== 0) throw refuse('has unbalanced braces');
  return css;
}
