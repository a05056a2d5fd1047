import { html, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import {
  ActionButton, Badge, CheckboxField, ConfirmButton, Dialog, ErrorNotice, Facts, Form, ListField, Loading, OnceValue, PageHeading, Pager, SuccessNotice, Table, TextField, Time,
} from '../../shell/components.js';
import { navigate } from '../../shell/router.js';
import { statusBadge } from './users.js';

/**
 * One user: profile and roles (If-Match on the ETag read), disable/enable, a new password or a
 * mailed reset link, a mailed confirmation link, delete; their sessions, the apps they consented
 * to, and their sign-in attempts.
 */
export function UserPage({ app, params }) {
  const path = `/users/${encodeURIComponent(params.id)}`;
  const user = useAsync(() => app.api.get(path), [params.id]);
  const [notice, setNotice] = useState('');
  const current = user.data?.data;
  const etag = user.data?.etag;
  /** After a change: the answer is the user as it is now, with its new ETag. */
  const changed = (message) => (answer) => {
    user.setData(answer);
    setNotice(message);
  };

  if (!current) {
    return html`<${PageHeading} title="User" /><${ErrorNotice} error=${user.error} />${user.loading ? html`<${Loading} />` : null}`;
  }
  return html`<${PageHeading} title=${current.email}>${statusBadge(current.status)}<//>
    <${SuccessNotice} message=${notice} />
    <${ErrorNotice} error=${user.error} />
    <section class="card" aria-labelledby="user-facts">
      <h2 id="user-facts">Account</h2>
      <${Facts} items=${[
        ['User id', html`<code>${current.id}</code>`],
        ['Email confirmed', current.email_verified ? 'yes' : 'no'],
        ['Created', html`<${Time} value=${current.created_at} />`],
        ['Last sign-in', html`<${Time} value=${current.last_login_at} empty="never" />`],
        ['Slowed down until', html`<${Time} value=${current.locked_until} empty="not slowed down" />`],
      ]} />
      <div class="form-actions">
        ${current.status === 'active'
          ? html`<${ConfirmButton} label="Disable user" danger
              message=${`${current.email} will not be able to sign in, and their sessions, grants and refresh tokens end now.`}
              onConfirm=${async () => changed(`${current.email} is disabled.`)(await app.api.post(`${path}/disable`))} />`
          : html`<${ActionButton} label="Enable user" onClick=${async () => changed(`${current.email} is enabled again.`)(await app.api.post(`${path}/enable`))} />`}
        <${SetPasswordButton} app=${app} path=${path} email=${current.email} onDone=${() => setNotice(`${current.email} has a new password and is signed out everywhere.`)} />
        <${ActionButton} label="Mail a reset link" className="secondary" onClick=${async () => {
          const sent = (await app.api.post(`${path}/password-reset`)).data;
          setNotice(`A password-reset link is on its way to ${sent.email}.`);
        }} />
        ${current.email_verified
          ? null
          : html`<${ActionButton} label="Mail a confirmation link" className="secondary" onClick=${async () => {
              const sent = (await app.api.post(`${path}/verification-email`)).data;
              setNotice(`A link to confirm the address is on its way to ${sent.email}.`);
            }} />`}
        <${ConfirmButton} label="Delete user" danger
          message=${`${current.email} and everything that belongs to them (sessions, grants, tokens) will be deleted. This cannot be undone.`}
          onConfirm=${async () => {
            await app.api.delete(path, etag);
            navigate('users');
          }} />
      </div>
    </section>
    <${ProfileForm} key=${etag} app=${app} path=${path} user=${current} etag=${etag} onSaved=${changed('Saved.')} onStale=${user.reload} />
    <${Sessions} app=${app} path=${path} />
    <${Grants} app=${app} path=${path} />
    <${UserActivity} app=${app} path=${path} />`;
}

function ProfileForm({ app, path, user, etag, onSaved, onStale }) {
  const [form, setForm] = useState({
    email: user.email,
    email_verified: user.email_verified,
    name: user.name ?? '',
    given_name: user.given_name ?? '',
    family_name: user.family_name ?? '',
    roles: user.roles,
  });
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const orNull = (value) => (value.trim() === '' ? null : value);
  const submit = async () => {
    try {
      const body = { name: orNull(form.name), given_name: orNull(form.given_name), family_name: orNull(form.family_name), roles: form.roles, email_verified: form.email_verified };
      if (form.email !== user.email) body.email = form.email;
      onSaved(await app.api.patch(path, body, etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };
  return html`<section class="card" aria-labelledby="user-profile">
    <h2 id="user-profile">Profile and roles</h2>
    <${Form} submitLabel="Save" onSubmit=${submit}
      secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
      <${TextField} label="Email" type="email" value=${form.email} onInput=${set('email')} required autocomplete="off" />
      <${CheckboxField} label="The email address is confirmed" checked=${form.email_verified} onChange=${set('email_verified')} />
      <${TextField} label="Display name" value=${form.name} onInput=${set('name')} autocomplete="off" />
      <${TextField} label="Given name" value=${form.given_name} onInput=${set('given_name')} autocomplete="off" />
      <${TextField} label="Family name" value=${form.family_name} onInput=${set('family_name')} autocomplete="off" />
      <${ListField} label="Roles" values=${form.roles} onChange=${set('roles')} hint="One a line. Roles left out are taken away; TenantAdmin makes an administrator." />
    <//>
  </section>`;
}

function SetPasswordButton({ app, path, email, onDone }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [generated, setGenerated] = useState(undefined);
  const close = () => {
    setOpen(false);
    setPassword('');
    setGenerated(undefined);
  };
  const submit = async () => {
    const answer = await app.api.post(`${path}/password`, password ? { password } : {});
    onDone();
    if (answer.data.password) setGenerated(answer.data.password);
    else close();
  };
  return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>Set password</button>
    <${Dialog} title=${`A new password for ${email}`} open=${open} onClose=${close}>
      ${generated
        ? html`<${OnceValue} label="Generated password" value=${generated} /><div class="form-actions"><button type="button" onClick=${close}>Done</button></div>`
        : html`<${Form} submitLabel="Set password" onSubmit=${submit}>
            <p>The user is signed out everywhere, as after a reset.</p>
            <${TextField} label="New password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password"
              hint="Leave empty to have one generated and shown once. At least 10 characters, not the email." />
          <//>`}
    <//>`;
}

function Sessions({ app, path }) {
  const paged = usePaged((cursor) => app.api.get(`${path}/sessions`, { limit: 20, cursor }).then((answer) => answer.data), [path]);
  return html`<section class="card" aria-labelledby="user-sessions">
    <h2 id="user-sessions">Sessions</h2>
    <${ErrorNotice} error=${paged.error} />
    <${Table} caption="Sessions" head=${['Signed in', 'How', 'Apps', 'Ends', '']} rows=${paged.items.length} empty="Not signed in anywhere.">
      ${paged.items.map(
        (session) => html`<tr>
          <td><${Time} value=${session.signed_in_at} /></td>
          <td>${session.amr.join(', ') || '—'}</td>
          <td>${session.client_ids.join(', ') || '—'}</td>
          <td><${Time} value=${session.expires_at} /></td>
          <td><${ConfirmButton} label="End session" title="End this session" message="The user is signed out of this browser, and the tokens issued in it stop working."
            onConfirm=${async () => {
              await app.api.delete(`${path}/sessions/${encodeURIComponent(session.id)}`);
              paged.reload();
            }} /></td>
        </tr>`,
      )}
    <//>
    <${Pager} paged=${paged} label="Pages of sessions" />
  </section>`;
}

function Grants({ app, path }) {
  const paged = usePaged((cursor) => app.api.get(`${path}/grants`, { limit: 20, cursor }).then((answer) => answer.data), [path]);
  return html`<section class="card" aria-labelledby="user-grants">
    <h2 id="user-grants">Apps they consented to</h2>
    <${ErrorNotice} error=${paged.error} />
    <${Table} caption="Grants" head=${['App', 'Scopes', 'APIs', 'Since', '']} rows=${paged.items.length} empty="No app holds a grant.">
      ${paged.items.map(
        (grant) => html`<tr>
          <td>${grant.client_name ?? html`<span class="muted">deleted client</span>`} <code>${grant.client_id}</code></td>
          <td>${grant.scopes.join(' ') || '—'}</td>
          <td>${grant.apis.map((api) => `${api.identifier} (${api.scopes.join(' ')})`).join(', ') || '—'}</td>
          <td><${Time} value=${grant.created_at} /></td>
          <td><${ConfirmButton} label="Revoke" title="Withdraw this consent" message="The app's codes and tokens for this user stop working; it must ask again."
            onConfirm=${async () => {
              await app.api.delete(`${path}/grants/${encodeURIComponent(grant.id)}`);
              paged.reload();
            }} /></td>
        </tr>`,
      )}
    <//>
    <${Pager} paged=${paged} label="Pages of grants" />
  </section>`;
}

export function outcomeBadge(outcome, succeeded) {
  return html`<${Badge} tone=${succeeded ? 'ok' : outcome === 'pending' || outcome === 'mail_requested' ? 'neutral' : 'danger'}>${outcome.replaceAll('_', ' ')}<//>`;
}

function UserActivity({ app, path }) {
  const paged = usePaged((cursor) => app.api.get(`${path}/login-activity`, { limit: 20, cursor }).then((answer) => answer.data), [path]);
  return html`<section class="card" aria-labelledby="user-activity">
    <h2 id="user-activity">Sign-in attempts</h2>
    <${ErrorNotice} error=${paged.error} />
    <${Table} caption="Sign-in attempts" head=${['When', 'Outcome', 'From', 'Known device']} rows=${paged.items.length} empty="No attempt recorded.">
      ${paged.items.map(
        (attempt) => html`<tr>
          <td><${Time} value=${attempt.occurred_at} /></td>
          <td>${outcomeBadge(attempt.reason ?? 'pending', attempt.succeeded)}</td>
          <td><code>${attempt.ip}</code></td>
          <td>${attempt.known_device ? 'yes' : 'no'}</td>
        </tr>`,
      )}
    <//>
    <${Pager} paged=${paged} label="Pages of sign-in attempts" />
  </section>`;
}
