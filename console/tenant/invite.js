import { html, useState } from '../shell/preact.js';
import { Dialog, Form, ListField, OnceValue, SuccessNotice, TextField } from '../shell/components.js';

/**
 * "Invite user": `POST /invitations`. The answer holds the invitation's single-use token, once;
 * the console turns it into the link the invitee opens (the signup page, with the code filled in).
 */
export function InviteButton({ app, onInvited }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState([]);
  const [days, setDays] = useState('7');
  const [created, setCreated] = useState(undefined);
  const close = () => {
    setOpen(false);
    setCreated(undefined);
    setEmail('');
    setRoles([]);
  };
  const submit = async () => {
    const answer = await app.api.post('/invitations', { email, roles, expires_in_days: Number(days) });
    setCreated(answer.data);
    onInvited?.();
  };
  return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>Invite user</button>
    <${Dialog} title="Invite a user" open=${open} onClose=${close}>
      ${created
        ? html`<${SuccessNotice} message=${`Invitation created for ${created.invitation.email}.`} />
            <${OnceValue} label="Invitation link" value=${`${app.settings.issuer}/signup?invitation=${encodeURIComponent(created.token)}`} />
            <p class="hint">Shown this once: send it to ${created.invitation.email}. It works until it expires or is used.</p>
            <div class="form-actions"><button type="button" onClick=${close}>Done</button></div>`
        : html`<${Form} submitLabel="Send invitation" onSubmit=${submit}>
            <${TextField} label="Email" type="email" value=${email} onInput=${setEmail} required autocomplete="off" />
            <${ListField} label="Roles" values=${roles} onChange=${setRoles} rows=${2} hint="Given when the invitation is accepted; one a line, or separated by commas." />
            <${TextField} label="Valid for (days)" type="number" value=${days} onInput=${setDays} inputmode="numeric" min="1" />
          <//>`}
    <//>`;
}
