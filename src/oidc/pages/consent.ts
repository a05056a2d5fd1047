import { escapeHtml, page } from './layout.ts';

export interface ConsentPageInput {
  clientName: string;
  action: string;
  csrfToken: string;
  /** Human-readable lines: what the application asks for. */
  requests: string[];
}

export function consentPage(input: ConsentPageInput): string {
  const items = input.requests.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  return page(
    `Allow access – ${input.clientName}`,
    `<h1>${escapeHtml(input.clientName)} asks for access</h1>
<p>If you allow it, the application can:</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`,
  );
}
