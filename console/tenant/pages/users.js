import { html, useState } from '../../shell/preact.js';
import { usePaged } from '../../shell/hooks.js';
import { Badge, CheckboxField, Dialog, Form, ListField, OnceValue, PageHeading, SelectField, SuccessNotice, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link } from '../../shell/router.js';
import { InviteButton } from '../invite.js';

const PAGE_SIZE = 20;

export function statusBadge(status) {
  return status === 'active' ? html`<${Badge} tone="ok">active<//>` : html`<${Badge} tone="danger">${status}<//>`;
}

/** Users: search by email, name, role and status, a page at a time; create and invite. */
export function UsersPage({ app }) {
  const [draft, setDraft] = useState({ email: '', name: '', role: '', status: '' });
  const [filter, setFilter] = useState(draft);
  const paged = usePaged((cursor) => app.api.get('/users', { ...filter, limit: PAGE_SIZE, cursor }).then((answer) => answer.data), [JSON.stringify(filter)]);
  const set = (field) => (value) => setDraft({ ...draft, [field]: value });

  return html`<${PageHeading} title="Users">
      <${CreateUserButton} app=${app} onCreated=${paged.reload} />
      <${InviteButton} app=${app} />
    <//>
    <form class="filters card" role="search" aria-label="Search users" onSubmit=${(event) => {
      event.preventDefault();
      setFilter(draft);
    }}>
      <${TextField} label="Email contains" type="search" value=${draft.email} onInput=${set('email')} />
      <${TextField} label="Name contains" type="search" value=${draft.name} onInput=${set('name')} />
      <${TextField} label="Role" value=${draft.role} onInput=${set('role')} />
      <${SelectField} label="Status" value=${draft.status} onChange=${set('status')} options=${[['', 'any'], ['active', 'active'], ['disabled', 'disabled']]} />
      <div class="form-actions"><button type="submit">Search</button></div>
    </form>
    <${ListTable} list=${paged} caption="Users" head=${['Email', 'Name', 'Status', 'Roles', 'Last sign-in']} pagerLabel="Pages of users" empty="No user matches."
      row=${(user) => html`<tr>
        <td><${Link} to=${`users/${user.id}`}>${user.email}<//></td>
        <td>${user.name ?? html`<span class="muted">—</span>`}</td>
        <td>${statusBadge(user.status)}</td>
        <td><span class="tags">${user.roles.map((role) => html`<${Badge}>${role}<//>`)}</span></td>
        <td><${Time} value=${user.last_login_at} empty="never" /></td>
      </tr>`} />`;
}

/** "Create user": `POST /users`; a generated password is shown once. */
function CreateUserButton({ app, onCreated }) {
  const empty = { email: '', name: '', password: '', roles: [], email_verified: true };
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(empty);
  const [created, setCreated] = useState(undefined);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const close = () => {
    setOpen(false);
    setCreated(undefined);
    setForm(empty);
  };
  const submit = async () => {
    const body = { email: form.email, roles: form.roles, email_verified: form.email_verified };
    if (form.name) body.name = form.name;
    if (form.password) body.password = form.password;
    const answer = await app.api.post('/users', body);
    setCreated(answer.data);
    onCreated();
  };
  return html`<button type="button" onClick=${() => setOpen(true)}>Create user</button>
    <${Dialog} title="Create a user" open=${open} onClose=${close}>
      ${created
        ? html`<${SuccessNotice} message=${`${created.user.email} can now sign in.`} />
            ${created.password ? html`<${OnceValue} label="Generated password" value=${created.password} />` : null}
            <div class="form-actions">
              <${Link} to=${`users/${created.user.id}`}>Open ${created.user.email}<//>
              <button type="button" onClick=${close}>Done</button>
            </div>`
        : html`<${Form} submitLabel="Create user" onSubmit=${submit}>
            <${TextField} label="Email" type="email" value=${form.email} onInput=${set('email')} required autocomplete="off" />
            <${TextField} label="Name" value=${form.name} onInput=${set('name')} autocomplete="off" />
            <${TextField} label="Password" type="password" value=${form.password} onInput=${set('password')} autocomplete="new-password"
              hint="Leave empty to have one generated and shown once. At least 10 characters, not the email." />
            <${ListField} label="Roles" values=${form.roles} onChange=${set('roles')} rows=${2} hint="One a line, or separated by commas; TenantAdmin makes an administrator." />
            <${CheckboxField} label="The email address is confirmed" checked=${form.email_verified} onChange=${set('email_verified')} />
          <//>`}
    <//>`;
}
