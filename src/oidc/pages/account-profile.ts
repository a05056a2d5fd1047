import { escapeHtml } from './layout.ts';
import { describedByError, hiddenField } from './form-parts.ts';
import { t, tHtml } from './i18n/translate.ts';

export interface ProfileFormInput {
  action: string;
  csrfToken: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string;
  emailVerified: boolean;
  /** Where the address is changed. */
  emailHref: string;
  error?: string;
}

const field = (id: string, label: string, autocomplete: string, value: string | null, error: string | undefined) =>
  `<label for="${id}">${escapeHtml(label)}</label>
<input id="${id}" name="${id}" type="text" autocomplete="${autocomplete}" maxlength="200" value="${escapeHtml(value ?? '')}"${describedByError(error)}>`;

/** The profile section: the names an account has, which apps receive with the `profile` scope. */
export function profileForm(input: ProfileFormInput): string {
  return `<form method="post" action="${escapeHtml(input.action)}">
${hiddenField('csrf', input.csrfToken)}
${field('name', t('account.profile.name'), 'name', input.name, input.error)}
${field('given_name', t('account.profile.givenName'), 'given-name', input.givenName, input.error)}
${field('family_name', t('account.profile.familyName'), 'family-name', input.familyName, input.error)}
<p class="muted">${escapeHtml(t('account.profile.help'))}</p>
<div class="actions"><button type="submit">${escapeHtml(t('account.profile.save'))}</button></div>
</form>
<p>${tHtml('account.profile.email', { email: `<strong>${escapeHtml(input.email)}</strong>`, state: escapeHtml(t(input.emailVerified ? 'common.confirmed' : 'common.notConfirmed')) })} <a href="${escapeHtml(input.emailHref)}">${escapeHtml(t('account.profile.changeEmail'))}</a></p>`;
}
