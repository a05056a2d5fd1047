import { html, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import {
  ActionButton, Badge, CheckboxField, ConfirmButton, CopyButton, ErrorNotice, Facts, Form, ListField, Loading, PageHeading, SelectField, SuccessNotice, TextField, Time, useId,
} from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link, navigate } from '../../shell/router.js';

/**
 * Upstream identity providers ("Continue with Google"): `/connections` of the tenant admin API.
 * Secrets (a client secret, Apple's private key) are write-only: the API says only whether one
 * is stored, and a form's secret field starts empty; left empty on an edit, the stored one stays.
 */

/** What each type is, and which of the settable properties it takes (the API refuses the others). */
const TYPES = {
  oidc: { label: 'OpenID Connect provider', button: 'OpenID Connect', fields: ['issuer', 'secret', 'auth_method', 'response_mode', 'trust_email'] },
  oauth2: { label: 'OAuth 2.0 provider', button: 'OAuth 2.0', fields: ['issuer', 'endpoints', 'secret', 'auth_method', 'response_mode', 'trust_email'] },
  google: { label: 'Google', fields: ['secret', 'auth_method'] },
  microsoft: { label: 'Microsoft', fields: ['tenant', 'secret', 'auth_method'] },
  github: { label: 'GitHub', fields: ['secret', 'auth_method'] },
  apple: { label: 'Apple', fields: ['apple'] },
};
/** OAuth 2.0 has no standard profile: which field of the user endpoint's answer is which (modules/connections/connection-types.ts's MAPPED_CLAIMS). */
const MAPPED = [
  ['subject', 'Their id', 'sub'],
  ['email', 'Email', 'email'],
  ['email_verified', 'Email confirmed', 'email_verified'],
  ['name', 'Name', 'name'],
  ['given_name', 'Given name', 'given_name'],
  ['family_name', 'Family name', 'family_name'],
];
const takes = (type, field) => (TYPES[type]?.fields ?? []).includes(field);
const typeLabel = (type) => TYPES[type]?.label ?? type;
/** The button's words when the admin gives none (modules/connections/connection-types.ts's labels). */
const buttonLabel = (type) => TYPES[type]?.button ?? TYPES[type]?.label ?? type;

function enabledBadge(enabled) {
  return enabled ? html`<${Badge} tone="ok">enabled<//>` : html`<${Badge} tone="warn">disabled<//>`;
}

/** The redirect URI to register at the provider, with its copy button. */
function RedirectUri({ value }) {
  return html`<div class="once">
    <p><strong>Redirect URI to register at the provider</strong></p>
    <code class="secret">${value}</code>
    <div class="form-actions"><${CopyButton} text=${value} label="Copy the redirect URI" /></div>
  </div>`;
}

export function ConnectionsPage({ app }) {
  const paged = usePaged((cursor) => app.api.get('/connections', { limit: 20, cursor }).then((answer) => answer.data), []);
  return html`<${PageHeading} title="Connections"><${Link} to="connections/new" class="button">Add connection<//><//>
    <p class="muted">Providers users may sign in with instead of a password. Each shows as a "Continue with …" button on the sign-in page while enabled.</p>
    <${ListTable} list=${paged} caption="Connections" head=${['Name', 'Type', 'Button', 'Status', 'Redirect URI']} pagerLabel="Pages of connections"
      empty="No connection yet: add one to let users sign in with Google, Microsoft, GitHub, Apple or any OpenID Connect provider."
      row=${(connection) => html`<tr>
        <td><${Link} to=${`connections/${connection.id}`}>${connection.name}<//></td>
        <td>${typeLabel(connection.type)}</td>
        <td>Continue with ${connection.display_name}</td>
        <td>${enabledBadge(connection.enabled)}</td>
        <td class="url"><code>${connection.redirect_uri}</code></td>
      </tr>`} />`;
}

/** The form's state from a connection (or the empty one of a new connection); never a secret. */
function formOf(connection) {
  return {
    display_name: connection?.display_name ?? '',
    client_id: connection?.client_id ?? '',
    secret: '',
    issuer: connection?.issuer ?? '',
    authorization_endpoint: connection?.authorization_endpoint ?? '',
    token_endpoint: connection?.token_endpoint ?? '',
    userinfo_endpoint: connection?.userinfo_endpoint ?? '',
    token_endpoint_auth_method: connection?.token_endpoint_auth_method ?? '',
    response_mode: connection?.response_mode ?? 'query',
    trust_email: connection?.trust_email ?? false,
    tenant: connection?.tenant ?? '',
    team_id: connection?.team_id ?? '',
    key_id: connection?.key_id ?? '',
    scopes: connection?.scopes ?? [],
    domains: connection?.domains ?? [],
    default_roles: connection?.default_roles ?? [],
    create_users: connection?.create_users ?? true,
    claim_mapping: Object.fromEntries(MAPPED.map(([claim]) => [claim, connection?.claim_mapping?.[claim] ?? ''])),
  };
}

/** The request body: only what the type takes, empty optional text left out, the secret only when typed. */
function bodyOf(type, form, creating) {
  const body = { client_id: form.client_id.trim(), domains: form.domains, default_roles: form.default_roles, create_users: form.create_users };
  if (form.display_name.trim()) body.display_name = form.display_name.trim();
  if (form.scopes.length > 0 || !creating) body.scopes = form.scopes;
  const text = (field) => {
    if (form[field].trim()) body[field] = form[field].trim();
  };
  if (takes(type, 'issuer')) text('issuer');
  if (takes(type, 'endpoints')) {
    ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'].forEach(text);
    // Only the fields named; the others keep the OpenID names.
    const mapping = Object.fromEntries(Object.entries(form.claim_mapping).map(([claim, field]) => [claim, field.trim()]).filter(([, field]) => field));
    if (Object.keys(mapping).length > 0) body.claim_mapping = mapping;
  }
  if (takes(type, 'tenant')) text('tenant');
  if (takes(type, 'auth_method') && form.token_endpoint_auth_method) body.token_endpoint_auth_method = form.token_endpoint_auth_method;
  if (takes(type, 'response_mode')) body.response_mode = form.response_mode;
  if (takes(type, 'trust_email')) body.trust_email = form.trust_email;
  if (takes(type, 'secret') && form.secret) body.client_secret = form.secret;
  if (takes(type, 'apple')) {
    text('team_id');
    text('key_id');
    if (form.secret.trim()) body.private_key = form.secret.trim();
  }
  return body;
}

/** The fields of a connection of `type`; `stored` says whether a secret is stored already. */
function ConnectionFields({ type, form, set, stored }) {
  const keepHint = stored ? ' Leave empty to keep the stored one.' : '';
  return html`
    <${TextField} label="Button text" value=${form.display_name} onInput=${set('display_name')} autocomplete="off"
      hint=${`The sign-in page's button says "Continue with" this; defaults to ${buttonLabel(type)}.`} />
    ${takes(type, 'issuer')
      ? html`<${TextField} label="Issuer" type="url" value=${form.issuer} onInput=${set('issuer')} autocomplete="off" required=${type === 'oidc'}
          hint=${type === 'oidc' ? 'Where its discovery document is read: https://…/.well-known/openid-configuration without that suffix.' : 'Optional: the iss its answers name (RFC 9207).'} />`
      : null}
    ${takes(type, 'endpoints')
      ? html`<${TextField} label="Authorization endpoint" type="url" value=${form.authorization_endpoint} onInput=${set('authorization_endpoint')} required autocomplete="off" />
          <${TextField} label="Token endpoint" type="url" value=${form.token_endpoint} onInput=${set('token_endpoint')} required autocomplete="off" />
          <${TextField} label="User endpoint" type="url" value=${form.userinfo_endpoint} onInput=${set('userinfo_endpoint')} required autocomplete="off"
            hint="Where the profile (id, email, name) is read with the access token." />
          <fieldset class="field mapping">
            <legend>Fields of the user endpoint's answer</legend>
            <p class="hint">Which field holds each part of the profile; dots reach into objects (data.id). Empty: the OpenID name in brackets.</p>
            ${MAPPED.map(
              ([claim, label, fallback]) => html`<${TextField} label=${`${label} (${fallback})`} value=${form.claim_mapping[claim]} autocomplete="off"
                onInput=${(value) => set('claim_mapping')({ ...form.claim_mapping, [claim]: value })} />`,
            )}
          </fieldset>`
      : null}
    ${takes(type, 'tenant')
      ? html`<${TextField} label="Directory" value=${form.tenant} onInput=${set('tenant')} autocomplete="off"
          hint="A directory (tenant) id or domain for one organisation, or common, organizations or consumers; defaults to common." />`
      : null}
    <${TextField} label=${type === 'apple' ? 'Services ID (client id)' : 'Client id'} value=${form.client_id} onInput=${set('client_id')} required autocomplete="off"
      hint="What the provider gave when you registered the redirect URI there." />
    ${takes(type, 'secret')
      ? html`<${TextField} label=${stored ? 'New client secret' : 'Client secret'} type="password" value=${form.secret} onInput=${set('secret')} autocomplete="new-password"
          hint=${`Stored encrypted, never shown again.${keepHint}`} />`
      : null}
    ${takes(type, 'apple')
      ? html`<${TextField} label="Team id" value=${form.team_id} onInput=${set('team_id')} required autocomplete="off" hint="10 letters and digits, as Apple shows it." />
          <${TextField} label="Key id" value=${form.key_id} onInput=${set('key_id')} required autocomplete="off" />
          <${SecretText} label=${stored ? 'New private key (.p8)' : 'Private key (.p8)'} value=${form.secret} onInput=${set('secret')}
            hint=${`The key file Apple let you download, pasted whole (-----BEGIN PRIVATE KEY----- …). Stored encrypted, never shown again.${keepHint}`} />`
      : null}
    ${takes(type, 'auth_method')
      ? html`<${SelectField} label="Client authentication" value=${form.token_endpoint_auth_method} onChange=${set('token_endpoint_auth_method')}
          options=${[['', "the type's default"], ['client_secret_basic', 'client_secret_basic (HTTP Basic)'], ['client_secret_post', 'client_secret_post (in the body)'], ['none', 'none (PKCE only)']]} />`
      : null}
    ${takes(type, 'response_mode')
      ? html`<${SelectField} label="Response mode" value=${form.response_mode} onChange=${set('response_mode')} options=${[['query', 'query'], ['form_post', 'form_post']]} />`
      : null}
    <${ListField} label="Scopes" values=${form.scopes} onChange=${set('scopes')} rows=${3} hint="One a line; empty for the type's defaults. OpenID Connect needs openid." />
    <${ListField} label="Email domains" values=${form.domains} onChange=${set('domains')} rows=${2}
      hint="One a line, e.g. example.com: a sign-in whose login_hint has such an address goes straight to this provider." />
    <${ListField} label="Roles of new accounts" values=${form.default_roles} onChange=${set('default_roles')} rows=${2} hint="One a line: the roles an account created through it gets." />
    <${CheckboxField} label="Create an account at the first sign-in (with a confirmed address)" checked=${form.create_users} onChange=${set('create_users')} />
    ${takes(type, 'trust_email')
      ? html`<${CheckboxField} label="Trust its addresses as confirmed, even without email_verified" checked=${form.trust_email} onChange=${set('trust_email')}
          hint="Only for a provider that confirms every address itself: anyone who can register an address there could otherwise take over the account with it here." />`
      : null}`;
}

/** A multi-line text field whose value is never put back by the page (a pasted key). */
function SecretText({ label, value, onInput, hint }) {
  const id = useId();
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <textarea id=${id} rows="4" spellcheck=${false} autocomplete="off" aria-describedby=${`${id}-hint`} value=${value}
      onInput=${(event) => onInput(event.currentTarget.value)}></textarea>
    <p class="hint" id=${`${id}-hint`}>${hint}</p>
  </div>`;
}

/** Where every provider sends its answer back: modules/connections/connection.ts's connectionCallbackUrl (each connection's `redirect_uri` says the same). */
const callbackUrl = (app) => `${app.settings.issuer}/connections/callback`;

/** The connection just added, whose page says so once. */
let justAdded;

/** "Add connection": `POST /connections`, then its page, which shows the redirect URI to register. */
export function NewConnectionPage({ app }) {
  const [type, setType] = useState('google');
  const [name, setName] = useState('');
  const [form, setForm] = useState(formOf(undefined));
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    const answer = await app.api.post('/connections', { name: name.trim(), type, ...bodyOf(type, form, true) });
    justAdded = answer.data.id;
    navigate(`connections/${answer.data.id}`);
  };
  return html`<${PageHeading} title="Add a connection" />
    <section class="card" aria-labelledby="connection-register">
      <h2 id="connection-register">First, at the provider</h2>
      <p>Register an app (a client) there with this redirect URI, the same for every connection of this tenant; the provider then gives you the client id and secret asked for below.</p>
      <${RedirectUri} value=${callbackUrl(app)} />
    </section>
    <section class="card" aria-labelledby="connection-settings">
      <h2 id="connection-settings">The connection</h2>
      <${Form} submitLabel="Add connection" onSubmit=${submit}>
        <${SelectField} label="Provider" value=${type} onChange=${setType} options=${Object.entries(TYPES).map(([value, { label }]) => [value, label])} />
        <${TextField} label="Name" value=${name} onInput=${setName} required autocomplete="off"
          hint="Lowercase letters, digits and hyphens, e.g. google or acme-okta: it names the connection in URLs, the CLI and the idp claim of tokens, and cannot change." />
        <${ConnectionFields} type=${type} form=${form} set=${set} stored=${false} />
      <//>
    </section>`;
}

/** One connection: its redirect URI, enable/disable, edit (If-Match), remove. */
export function ConnectionPage({ app, params }) {
  const path = `/connections/${encodeURIComponent(params.id)}`;
  const loaded = useAsync(() => app.api.get(path), [params.id]);
  const [notice, setNotice] = useState(() => {
    const added = justAdded === params.id;
    justAdded = undefined;
    return added ? 'Added. Register its redirect URI at the provider, as below.' : '';
  });
  const connection = loaded.data?.data;
  const etag = loaded.data?.etag;
  if (!connection) return html`<${PageHeading} title="Connection" /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;
  const changed = (message) => (answer) => {
    loaded.setData(answer);
    setNotice(message);
  };
  return html`<${PageHeading} title=${`Connection ${connection.name}`}>${enabledBadge(connection.enabled)}<//>
    <${SuccessNotice} message=${notice} />
    <section class="card" aria-labelledby="connection-facts">
      <h2 id="connection-facts">Continue with ${connection.display_name}</h2>
      <${RedirectUri} value=${connection.redirect_uri} />
      <${Facts} items=${[
        ['Type', typeLabel(connection.type)],
        ['Protocol', connection.protocol],
        ['Issuer', connection.issuer ? html`<code>${connection.issuer}</code>` : '—'],
        ['Client id', html`<code>${connection.client_id}</code>`],
        [connection.type === 'apple' ? 'Private key' : 'Client secret', connection.client_secret_set ? 'stored (never shown)' : 'none'],
        ['Created', html`<${Time} value=${connection.created_at} />`],
        ['Changed', html`<${Time} value=${connection.updated_at} />`],
      ]} />
      <div class="form-actions">
        ${connection.enabled
          ? html`<${ConfirmButton} label="Disable" title=${`Disable ${connection.name}`} confirmLabel="Disable"
              message="Its button leaves the sign-in page and sign-ins through it stop at once; linked identities stay, and work again once it is enabled."
              onConfirm=${async () => changed(`${connection.name} is disabled.`)(await app.api.patch(path, { enabled: false }, etag))} />`
          : html`<${ActionButton} label="Enable" onClick=${async () => changed(`${connection.name} is enabled.`)(await app.api.patch(path, { enabled: true }, etag))} />`}
        <${ConfirmButton} label="Remove connection" danger title=${`Remove the connection ${connection.name}`} confirmLabel="Remove it"
          message="The connection goes, with every identity linked through it; the users stay and can still sign in any other way they have."
          onConfirm=${async () => {
            await app.api.delete(path, etag);
            navigate('connections');
          }} />
      </div>
    </section>
    <${EditConnection} key=${etag} app=${app} path=${path} connection=${connection} etag=${etag} onSaved=${changed('Saved.')} onStale=${loaded.reload} />`;
}

function EditConnection({ app, path, connection, etag, onSaved, onStale }) {
  const [form, setForm] = useState(formOf(connection));
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    try {
      onSaved(await app.api.patch(path, bodyOf(connection.type, form, false), etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };
  return html`<section class="card" aria-labelledby="connection-edit">
    <h2 id="connection-edit">Settings</h2>
    <${Form} submitLabel="Save" onSubmit=${submit}
      secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
      <${ConnectionFields} type=${connection.type} form=${form} set=${set} stored=${connection.client_secret_set} />
    <//>
  </section>`;
}
