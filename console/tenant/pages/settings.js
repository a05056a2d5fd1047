import { html, useState } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { CheckboxField, ErrorNotice, Form, Loading, PageHeading, SelectField, SuccessNotice, TextField } from '../../shell/components.js';

const LIFETIMES = [
  ['access_token', 'Access tokens (userinfo, and client credentials without an API)'],
  ['id_token', 'ID tokens'],
  ['refresh_token', 'Refresh tokens (the whole chain; rotating never extends it)'],
  ['session', 'Sign-in sessions at the login page'],
];
const RETENTION = [
  ['audit_events', 'Audit log'],
  ['login_activity', 'Sign-in activity'],
];
const UNITS = [
  ['60', 'minutes'],
  ['3600', 'hours'],
  ['86400', 'days'],
];

/** The largest unit a number of seconds is a whole multiple of. */
function splitSeconds(seconds) {
  for (const [unit] of [...UNITS].reverse()) if (seconds % Number(unit) === 0) return { amount: String(seconds / Number(unit)), unit };
  return { amount: String(seconds / 60), unit: '60' };
}

/** Signup policy, confirmed address and magic links for sign-in, token lifetimes and history retention (If-Match). */
export function SettingsPage({ app }) {
  const loaded = useAsync(() => app.api.get('/settings'), []);
  const [notice, setNotice] = useState('');
  if (!loaded.data) return html`<${PageHeading} title="Settings" /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;
  return html`<${PageHeading} title="Settings" />
    <${SuccessNotice} message=${notice} />
    <${SettingsForm} key=${loaded.data.etag} app=${app} answer=${loaded.data} onStale=${loaded.reload}
      onSaved=${(answer) => {
        loaded.setData(answer);
        setNotice('Saved. New token lifetimes apply to tokens issued from now on.');
      }} />`;
}

function SettingsForm({ app, answer, onSaved, onStale }) {
  const settings = answer.data;
  const [signup, setSignup] = useState(settings.signup);
  const [magicLinks, setMagicLinks] = useState(settings.magic_links);
  const [verified, setVerified] = useState(settings.verified_email_required_is_default ? 'default' : settings.verified_email_required ? 'on' : 'off');
  const [lifetimes, setLifetimes] = useState(Object.fromEntries(LIFETIMES.map(([field]) => [field, splitSeconds(settings.token_lifetimes[field])])));
  const [retention, setRetention] = useState(Object.fromEntries(RETENTION.map(([field]) => [field, String(settings.retention_days[field])])));
  const [stale, setStale] = useState(false);

  const submit = async () => {
    const body = {
      signup,
      verified_email_required: verified === 'default' ? null : verified === 'on',
      magic_links: magicLinks,
      token_lifetimes: Object.fromEntries(Object.entries(lifetimes).map(([field, value]) => [field, Math.round(Number(value.amount) * Number(value.unit))])),
      retention_days: Object.fromEntries(Object.entries(retention).map(([field, value]) => [field, Number(value)])),
    };
    try {
      onSaved(await app.api.patch('/settings', body, answer.etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };

  return html`<${Form} submitLabel="Save settings" onSubmit=${submit}
      secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
      <section class="card" aria-labelledby="settings-signup">
        <h2 id="settings-signup">Signing up</h2>
        <${SelectField} label="Who may create an account" value=${signup} onChange=${setSignup}
          options=${[['disabled', 'Nobody: accounts come from administrators'], ['invite', 'Invited people only'], ['open', 'Anyone']]} />
        <${SelectField} label="A confirmed email address is needed to sign in with a password" value=${verified} onChange=${setVerified}
          options=${[['default', `Default (now: ${settings.verified_email_required ? 'yes' : 'no'}; yes exactly when signup is open)`], ['on', 'Yes'], ['off', 'No']]} />
      </section>
      <section class="card" aria-labelledby="settings-sign-in">
        <h2 id="settings-sign-in">Signing in</h2>
        <${CheckboxField} label="Offer “Email me a sign-in link” on the login page" checked=${magicLinks} onChange=${setMagicLinks}
          hint="A one-time link by mail, usable only in the browser that asked for it." />
      </section>
      <section class="card" aria-labelledby="settings-lifetimes">
        <h2 id="settings-lifetimes">Token lifetimes</h2>
        <p class="hint">Each API sets the lifetime of its own access tokens. A value outside the allowed bounds is refused, naming them.</p>
        ${LIFETIMES.map(
          ([field, label]) => html`<fieldset class="field duration">
            <legend>${label}</legend>
            <${TextField} label="Amount" type="number" value=${lifetimes[field].amount} inputmode="numeric"
              onInput=${(amount) => setLifetimes({ ...lifetimes, [field]: { ...lifetimes[field], amount } })} />
            <${SelectField} label="Unit" value=${lifetimes[field].unit} options=${UNITS}
              onChange=${(unit) => setLifetimes({ ...lifetimes, [field]: { ...lifetimes[field], unit } })} />
          </fieldset>`,
        )}
      </section>
      <section class="card" aria-labelledby="settings-retention">
        <h2 id="settings-retention">History kept (days)</h2>
        ${RETENTION.map(
          ([field, label]) => html`<${TextField} label=${label} type="number" value=${retention[field]} inputmode="numeric"
            onInput=${(value) => setRetention({ ...retention, [field]: value })} />`,
        )}
      </section>
    <//>`;
}
