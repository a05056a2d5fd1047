import { escapeHtml } from './layout.ts';
import { describedByError, hiddenField } from './form-parts.ts';

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
${field('name', 'Name', 'name', input.name, input.error)}
${field('given_name', 'Given name', 'given-name', input.givenName, input.error)}
${field('family_name', 'Family name', 'family-name', input.familyName, input.error)}
<p class="muted">Apps you sign in to with this account receive these names. Leave a field empty to remove it.</p>
<div class="actions"><button type="submit">Save profile</button></div>
</form>
<p>Email address: <strong>${escapeHtml(input.email)}</strong> (${input.emailVerified ? 'confirmed' : 'not confirmed yet'}). <a href="${escapeHtml(input.emailHref)}">Change email address</a></p>`;
}
