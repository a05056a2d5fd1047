import { html, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import {
  ActionButton, Badge, CheckboxField, ConfirmButton, Dialog, ErrorNotice, Facts, Form, ListField, Loading, OnceValue, PageHeading, SuccessNotice, TextField, Time,
} from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { navigate } from '../../shell/router.js';
import { statusBadge } from './users.js';

/**
 * One user: profile and roles (If-Match on the ETag read), disable/enable, a new password or a
 * mailed reset link, a mailed confirmation link, delete; their second factors (reset MFA), the
 * upstream identities linked to them (unlink), their sessions, the apps they consented to, and
 * their sign-in attempts.
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
    <${SecondFactors} app=${app} path=${path} email=${current.email} onReset=${setNotice} />
    <${Identities} app=${app} path=${path} email=${current.email} onUnlinked=${setNotice} />
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

const FACTOR_KINDS = { totp: 'Authenticator app', webauthn: 'Passkey or security key' };

/** Their second factors (never a secret) and "Reset MFA" for a lost phone: `DELETE …/factors`, after a confirmation. */
function SecondFactors({ app, path, email, onReset }) {
  const factors = useAsync(() => app.api.get(`${path}/factors`).then((answer) => answer.data), [path]);
  const items = factors.data?.factors ?? [];
  const reset = async () => {
    const answer = (await app.api.delete(`${path}/factors`)).data;
    onReset(`${email}'s second factors are reset: ${answer.factors_removed} factor(s) and ${answer.recovery_codes_removed} recovery code(s) removed.`);
    factors.reload();
  };
  return html`<section class="card" aria-labelledby="user-factors">
    <h2 id="user-factors">Second factors</h2>
    <${ListTable} list=${{ ...factors, data: factors.data ? items : undefined }} caption="Second factors" head=${['Kind', 'Label', 'Set up', 'Last used']}
      empty="No second factor: they sign in with the first factor alone (unless the policy makes them set one up)."
      row=${(factor) => html`<tr>
        <td>${FACTOR_KINDS[factor.kind] ?? factor.kind}</td>
        <td>${factor.label}</td>
        <td>${factor.confirmed_at ? html`<${Time} value=${factor.confirmed_at} />` : html`<${Badge} tone="neutral">waiting for its first code<//>`}</td>
        <td><${Time} value=${factor.last_used_at} empty="never" /></td>
      </tr>`} />
    ${factors.data ? html`<p>Recovery codes left: <strong>${factors.data.recovery_codes_left}</strong></p>` : null}
    ${factors.data && (items.length > 0 || factors.data.recovery_codes_left > 0)
      ? html`<div class="form-actions"><${ConfirmButton} label="Reset MFA" danger title=${`Reset the second factors of ${email}`} confirmLabel="Reset their second factors"
          message=${`Every second factor and recovery code of ${email} is removed and their remembered browsers are forgotten. Do this for someone who lost their phone, once you are sure it is them: where the policy asks for a second factor, they set up a new one at their next sign-in.`}
          onConfirm=${reset} /></div>`
      : null}
  </section>`;
}

/** The upstream provider accounts that sign in as this user; unlinking one stops that. */
function Identities({ app, path, email, onUnlinked }) {
  const identities = useAsync(() => app.api.get(`${path}/identities`).then((answer) => answer.data.items), [path]);
  return html`<section class="card" aria-labelledby="user-identities">
    <h2 id="user-identities">Linked identities</h2>
    <${ListTable} list=${identities} caption="Linked identities" head=${['Connection', 'Their id there', 'Email there', 'Linked', 'Last sign-in', '']}
      empty="No upstream account is linked: they sign in here only."
      row=${(identity) => html`<tr>
        <td>${identity.connection}</td>
        <td><code>${identity.subject}</code></td>
        <td>${identity.email ?? html`<span class="muted">—</span>`}</td>
        <td><${Time} value=${identity.linked_at} /></td>
        <td><${Time} value=${identity.last_signed_in_at} empty="never" /></td>
        <td><${ConfirmButton} label="Unlink" title=${`Unlink the ${identity.connection} account`} confirmLabel="Unlink"
          message=${`Signing in through ${identity.connection} as ${identity.email ?? identity.subject} no longer signs in as ${email}. A later sign-in there may link it again where the connection allows it.`}
          onConfirm=${async () => {
            await app.api.delete(`${path}/identities/${encodeURIComponent(identity.id)}`);
            onUnlinked(`The ${identity.connection} account is unlinked from ${email}.`);
            identities.reload();
          }} /></td>
      </tr>`} />
  </section>`;
}

function Sessions({ app, path }) {
  const paged = usePaged((cursor) => app.api.get(`${path}/sessions`, { limit: 20, cursor }).then((answer) => answer.data), [path]);
  return html`<section class="card" aria-labelledby="user-sessions">
    <h2 id="user-sessions">Sessions</h2>
    <${ListTable} list=${paged} caption="Sessions" head=${['Signed in', 'How', 'Apps', 'Ends', '']} pagerLabel="Pages of sessions" empty="Not signed in anywhere."
      row=${(session) => html`<tr>
        <td><${Time} value=${session.signed_in_at} /></td>
        <td>${session.amr.join(', ') || '—'}</td>
        <td>${session.client_ids.join(', ') || '—'}</td>
        <td><${Time} value=${session.expires_at} /></td>
        <td><${ConfirmButton} label="End session" title="End this session" message="The user is signed out of this browser, and the tokens issued in it stop working."
          onConfirm=${async () => {
            await app.api.delete(`${path}/sessions/${encodeURIComponent(session.id)}`);
            paged.reload();
          }} /></td>
      </tr>`} />
  </section>`;
}

function Grants({ app, path }) {
  const paged = usePaged((cursor) => app.api.get(`${path}/grants`, { limit: 20, cursor }).then((answer) => answer.data), [path]);
  return html`<section class="card" aria-labelledby="user-grants">
    <h2 id="user-grants">Apps they consented to</h2>
    <${ListTable} list=${paged} caption="Grants" head=${['App', 'Scopes', 'APIs', 'Since', '']} pagerLabel="Pages of grants" empty="No app holds a grant."
      row=${(grant) => html`<tr>
        <td>${grant.client_name ?? html`<span class="muted">deleted client</span>`} <code>${grant.client_id}</code></td>
        <td>${grant.scopes.join(' ') || '—'}</td>
        <td>${grant.apis.map((api) => `${api.identifier} (${api.scopes.join(' ')})`).join(', ') || '—'}</td>
        <td><${Time} value=${grant.created_at} /></td>
        <td><${ConfirmButton} label="Revoke" title="Withdraw this consent" message="The app's codes and tokens for this user stop working; it must ask again."
          onConfirm=${async () => {
            await app.api.delete(`${path}/grants/${encodeURIComponent(grant.id)}`);
            paged.reload();
          }} /></td>
      </tr>`} />
  </section>`;
}

export function outcomeBadge(outcome, succeeded) {
  return html`<${Badge} tone=${succeeded ? 'ok' : outcome === 'pending' || outcome === 'mail_requested' ? 'neutral' : 'danger'}>${outcome.replaceAll('_', ' ')}<//>`;
}

function UserActivity({ app, path }) {
  const paged = usePaged((cursor) => app.api.get(`${path}/login-activity`, { limit: 20, cursor }).then((answer) => answer.data), [path]);
  return html`<section class="card" aria-labelledby="user-activity">
    <h2 id="user-activity">Sign-in attempts</h2>
    <${ListTable} list=${paged} caption="Sign-in attempts" head=${['When', 'Outcome', 'From', 'Known device']} pagerLabel="Pages of sign-in attempts" empty="No attempt recorded."
      row=${(attempt) => html`<tr>
        <td><${Time} value=${attempt.occurred_at} /></td>
        <td>${outcomeBadge(attempt.reason ?? 'pending', attempt.succeeded)}</td>
        <td><code>${attempt.ip}</code></td>
        <td>${attempt.known_device ? 'yes' : 'no'}</td>
      </tr>`} />
  </section>`;
}
