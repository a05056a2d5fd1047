import { escapeHtml, page } from './layout.ts';

export interface LoginPageInput {
  tenantName: string;
  clientName: string;
  action: string;
  abortAction: string;
  csrfToken: string;
  email?: string;
  error?: string;
}

function errorBlock(message: string | undefined): string {
  return message ? `<p class="error" role="alert" id="form-error">${escapeHtml(message)}</p>` : '';
}

/** The password form, with a cancel button that ends the sign-in (access_denied to the app). */
export function loginPage(input: LoginPageInput): string {
  const described = input.error ? ' aria-describedby="form-error"' : '';
  return page(
    `Sign in – ${input.tenantName}`,
    `<h1>Sign in to ${escapeHtml(input.clientName)}</h1>
<p class="muted">with your ${escapeHtml(input.tenantName)} account</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(input.email ?? '')}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
<form method="post" action="${escapeHtml(input.abortAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions"><button type="submit" class="secondary">Cancel</button></div>
</form>`,
  );
}
