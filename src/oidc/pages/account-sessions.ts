import { escapeHtml } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';

export interface SessionItem {
  id: string;
  signedInAt: string | null;
  expiresAt: string | null;
  /** How the sign-in was proved, in words. */
  methods: string[];
  /** The apps signed in to through it, by name. */
  apps: string[];
  /** The session this page is open in. */
  current: boolean;
}

export interface SessionsListInput {
  tenantName: string;
  revokeAction: string;
  revokeOthersAction: string;
  csrfToken: string;
  sessions: SessionItem[];
}

function sessionItem(session: SessionItem, input: SessionsListInput, index: number): string {
  const heading = `session-${index}`;
  const revoke = session.current
    ? '<p class="muted">To end this one, sign out (top of the page).</p>'
    : `<form method="post" action="${escapeHtml(input.revokeAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('session', session.id)}
<button type="submit" class="secondary" aria-describedby="${heading}">Sign out this session</button>
</form>`;
  return `<li>
<h3 id="${heading}">Signed in ${timeText(session.signedInAt)}${session.current ? ' (this browser)' : ''}</h3>
<p>Signed in with: ${escapeHtml(session.methods.join(', ') || 'unknown')}</p>
<p>Apps: ${escapeHtml(session.apps.join(', ') || 'none')}</p>
<p class="muted">Ends by ${timeText(session.expiresAt)} at the latest</p>
${revoke}
</li>`;
}

/** The sessions section: every browser signed in to the account, each with a way to sign it out. */
export function sessionsList(input: SessionsListInput): string {
  const others = input.sessions.filter((session) => !session.current).length;
  const revokeOthers =
    others > 0
      ? `<form method="post" action="${escapeHtml(input.revokeOthersAction)}">
${hiddenField('csrf', input.csrfToken)}
<div class="actions"><button type="submit">Sign out all other sessions</button></div>
</form>`
      : '';
  return `<p class="muted">Each browser or device where you signed in to ${escapeHtml(input.tenantName)}. Signing a session out ends it, and apps lose the access they got through it.</p>
<ul class="items">
${input.sessions.map((session, index) => sessionItem(session, input, index)).join('\n')}
</ul>
${revokeOthers}`;
}
