import { html, useState } from '../shell/preact.js';
import { Dialog, Form, ListField, SuccessNotice, TextField, Time } from '../shell/components.js';

/**
 * "Invite user": `POST /invitations`. The tenant mails the invitee a link to its accept page;
 * the token is in that mail only, so the console never sees it (accepting proves the address).
 */
export function InviteButton({ app, onInvited }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState([]);
  const [days, setDays] = useState('7');
  const [sent, setSent] = useState(undefined);
  const close = () => {
    setOpen(false);
    setSent(undefined);
    setEmail('');
    setRoles([]);
  };
  const submit = async () => {
    const answer = await app.api.post('/invitations', { email, roles, expires_in_days: Number(days) });
    setSent(answer.data.invitation);
    onInvited?.();
  };
  return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>Invite user</button>
    <${Dialog} title="Invite a user" open=${open} onClose=${close}>
      ${sent
        ? html`<${SuccessNotice} message=${`An invitation is on its way to ${sent.email}.`} />
            <p>The mail holds a link to the page where they choose a name and a password; the link works until
              ${' '}<${Time} value=${sent.expires_at} /> and only once. Pending invitations are listed under Invitations.</p>
            <div class="form-actions"><button type="button" onClick=${close}>Done</button></div>`
        : html`<${Form} submitLabel="Send invitation" onSubmit=${submit}>
            <${TextField} label="Email" type="email" value=${email} onInput=${setEmail} required autocomplete="off" />
            <${ListField} label="Roles" values=${roles} onChange=${setRoles} rows=${2} hint="Given with the account; one a line, or separated by commas." />
            <${TextField} label="Valid for (days)" type="number" value=${days} onInput=${setDays} inputmode="numeric" min="1" />
          <//>`}
    <//>`;
}
