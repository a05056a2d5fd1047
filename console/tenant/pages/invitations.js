import { html, useState } from '../../shell/preact.js';
import { usePaged } from '../../shell/hooks.js';
import { ActionButton, Badge, ConfirmButton, PageHeading, SuccessNotice, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { InviteButton } from '../invite.js';

/** Pending invitations (neither used nor expired), oldest first; invite, mail again, revoke. */
export function InvitationsPage({ app }) {
  const paged = usePaged((cursor) => app.api.get('/invitations', { limit: 20, cursor }).then((answer) => answer.data), []);
  const [notice, setNotice] = useState('');
  return html`<${PageHeading} title="Invitations"><${InviteButton} app=${app} onInvited=${paged.reload} /><//>
    <${SuccessNotice} message=${notice} />
    <${ListTable} list=${paged} caption="Pending invitations" head=${['Email', 'Roles', 'Created', 'Expires', '']} pagerLabel="Pages of invitations" empty="No invitation is pending."
      row=${(invitation) => html`<tr>
        <td>${invitation.email}</td>
        <td><span class="tags">${invitation.roles.map((role) => html`<${Badge}>${role}<//>`)}</span></td>
        <td><${Time} value=${invitation.created_at} /></td>
        <td><${Time} value=${invitation.expires_at} /></td>
        <td><div class="row-actions">
          <${ActionButton} label="Send again" className="secondary" onClick=${async () => {
            const answer = await app.api.post(`/invitations/${invitation.id}/resend`, {});
            setNotice(`A new link is on its way to ${answer.data.invitation.email}; the earlier one no longer works.`);
            paged.reload();
          }} />
          <${ConfirmButton} label="Revoke" title=${`Revoke the invitation of ${invitation.email}`} message="Its link stops working at once." danger
            onConfirm=${async () => {
              await app.api.delete(`/invitations/${invitation.id}`);
              paged.reload();
            }} />
        </div></td>
      </tr>`} />`;
}
