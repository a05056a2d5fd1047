import { escapeHtml, page } from './layout.ts';
import { errorBlock, hiddenField } from './form-parts.ts';
import { t, tHtml, tenantNameShown, type MessageKey } from './i18n/translate.ts';

/** One section of the account page as its navigation lists it (`<home>/<path>`). */
export interface AccountNavLink {
  path: string;
  /** The catalogue key of its name: said in the request's language when the page is drawn. */
  label: MessageKey;
}

export interface AccountFrameInput {
  tenantName: string;
  /** `/t/<id>/account` as the public URL has it: section links and form actions start here. */
  home: string;
  email: string;
  nav: readonly AccountNavLink[];
  /** The path of the section shown. */
  current: string;
  csrfToken: string;
  title: string;
  /** What a change did, announced politely (role=status). */
  notice?: string;
  error?: string;
  /** The section's own markup, already escaped. */
  body: string;
}

/**
 * The account page around one section: who is signed in, the sign-out button, the sections'
 * navigation (the current one marked for screen readers with aria-current), then the section.
 * Every section is a page of its own, so the whole page works without script.
 */
export function accountFramePage(input: AccountFrameInput): string {
  const links = input.nav
    .map((link) => {
      const current = link.path === input.current ? ' aria-current="page"' : '';
      return `<li><a href="${escapeHtml(`${input.home}/${link.path}`)}"${current}>${escapeHtml(t(link.label))}</a></li>`;
    })
    .join('');
  const tenant = tenantNameShown(input.tenantName);
  return page(
    t('account.title', { title: input.title, tenant }),
    `<div class="masthead">
<p class="muted">${tHtml('account.of', { tenant: escapeHtml(tenant), email: `<strong>${escapeHtml(input.email)}</strong>` })}</p>
<form method="post" action="${escapeHtml(`${input.home}/sign-out`)}">
${hiddenField('csrf', input.csrfToken)}
<button type="submit" class="secondary">${escapeHtml(t('account.signOut'))}</button>
</form>
</div>
<nav aria-label="${escapeHtml(t('account.nav'))}"><ul>${links}</ul></nav>
<h1>${escapeHtml(input.title)}</h1>
${input.notice ? `<p class="status" role="status">${escapeHtml(input.notice)}</p>` : ''}
${errorBlock(input.error)}
${input.body}`,
    { wide: true },
  );
}

/** A moment as the pages show it, in UTC, with the exact instant for assistive technology and copying. */
export function timeText(iso: string | null | undefined): string {
  if (!iso) return escapeHtml(t('common.unknown'));
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(`${iso.slice(0, 16).replace('T', ' ')} UTC`)}</time>`;
}
