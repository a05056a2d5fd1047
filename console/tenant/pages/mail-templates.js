import { html, useState } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { Badge, ConfirmButton, ErrorNotice, Form, Loading, PageHeading, SuccessNotice, TextField, useId } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link } from '../../shell/router.js';

/**
 * The wording of the tenant's mails: `/mail/templates` of the tenant admin API. Each template is
 * the built-in one, or the tenant's own parts over it; a save sends the ETag it read (If-Match),
 * so an edit made meanwhile by another admin is never overwritten unseen (412).
 */

const TITLES = {
  verify_email: 'Confirm the email address',
  reset_password: 'Reset the password',
  invitation: 'Invitation',
  magic_link: 'Sign-in link',
  change_email: 'Confirm a new address',
  email_changed: 'Address changed (to the old address)',
};
const titleOf = (name) => TITLES[name] ?? name.replaceAll('_', ' ');

/** The placeholders every flow fills (modules/mail/mail-names.ts's MAIL_VARIABLES), what each becomes. */
const PLACEHOLDERS = [
  ['tenant_name', "the tenant's display name"],
  ['email', "the recipient's address"],
  ['link', 'the link to follow'],
  ['expires_in', 'how long the link works, in words ("30 minutes"); empty where there is no link to use'],
];

const PARTS = ['subject', 'text', 'html'];

export function MailTemplatesPage({ app }) {
  const templates = useAsync(() => app.api.get('/mail/templates').then((answer) => answer.data.items), []);
  return html`<${PageHeading} title="Mail templates" />
    <p class="muted">The mails the tenant sends. Each is the built-in text until you change it; a part you change replaces the built-in one.</p>
    <${ListTable} list=${templates} caption="Mail templates" head=${['Mail', 'Subject', 'Wording']}
      row=${(template) => html`<tr>
        <td><${Link} to=${`mail/templates/${template.name}`}>${titleOf(template.name)}<//> <code class="muted">${template.name}</code></td>
        <td>${template.subject}</td>
        <td>${template.overridden.length === 0 ? html`<${Badge}>built-in<//>` : html`<${Badge} tone="ok">own ${template.overridden.join(', ')}<//>`}</td>
      </tr>`} />`;
}

/** Fills the placeholders with example values, as a sent mail would have them. */
function preview(text, app, name) {
  const values = {
    tenant_name: app.settings.tenant_name,
    email: 'someone@example.com',
    link: `${app.settings.issuer}/…`,
    expires_in: name === 'email_changed' ? '' : '30 minutes',
  };
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, key) => values[key] ?? whole);
}

export function MailTemplatePage({ app, params }) {
  const path = `/mail/templates/${encodeURIComponent(params.name)}`;
  const loaded = useAsync(() => app.api.get(path), [params.name]);
  const [notice, setNotice] = useState('');
  const template = loaded.data?.data;
  if (!template) {
    return html`<${PageHeading} title=${titleOf(params.name)} /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;
  }
  return html`<${PageHeading} title=${titleOf(template.name)}>
      ${template.overridden.length === 0 ? html`<${Badge}>built-in<//>` : html`<${Badge} tone="ok">own wording<//>`}
    <//>
    <p><${Link} to="mail/templates">All mail templates<//></p>
    <${SuccessNotice} message=${notice} />
    <${TemplateEditor} key=${loaded.data.etag} app=${app} path=${path} template=${template} etag=${loaded.data.etag}
      onSaved=${(answer, message) => {
        loaded.setData(answer);
        setNotice(message);
      }}
      onReload=${() => {
        setNotice('');
        loaded.reload();
      }}
      onReset=${() => {
        setNotice('The built-in wording applies again.');
        loaded.reload();
      }} />`;
}

function TemplateEditor({ app, path, template, etag, onSaved, onReload, onReset }) {
  const [form, setForm] = useState({ subject: template.subject, text: template.text, html: template.html });
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    // Only the parts that are the tenant's own or changed now: a part left out stays the built-in one.
    const body = {};
    for (const part of PARTS) if (template.overridden.includes(part) || form[part] !== template[part]) body[part] = form[part];
    try {
      onSaved(await app.api.put(path, body, etag), 'Saved: the next mail of this kind uses it.');
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };
  return html`<section class="card" aria-labelledby="template-placeholders">
      <h2 id="template-placeholders">Placeholders</h2>
      <p>Write them as <code>{{name}}</code>; any other name is refused when you save. In the HTML part the values are escaped.</p>
      <dl class="facts">${PLACEHOLDERS.map(([name, what]) => html`<div><dt><code>{{${name}}}</code></dt><dd>${what}</dd></div>`)}</dl>
    </section>
    ${stale
      ? html`<div class="notice error" role="alert">
          <p><strong>Someone changed this template after you opened it.</strong> Your text was not saved, so nothing of theirs is lost.
            Copy what you wrote if you need it, then load the current version and make your change again.</p>
        </div>`
      : null}
    <section class="card" aria-labelledby="template-edit">
      <h2 id="template-edit">Wording</h2>
      <${Form} submitLabel="Save template" onSubmit=${submit}
        secondary=${html`${stale ? html`<button type="button" class="secondary" onClick=${onReload}>Load the current version</button>` : null}
          ${template.overridden.length > 0
            ? html`<${ConfirmButton} label="Use the built-in wording" title="Go back to the built-in wording" confirmLabel="Use the built-in wording"
                message="The tenant's own subject, text and HTML of this mail are dropped; the built-in ones apply to the next mail."
                onConfirm=${async () => {
                  await app.api.delete(path, etag);
                  onReset();
                }} />`
            : null}`}>
        <${TextField} label="Subject" value=${form.subject} onInput=${set('subject')} required autocomplete="off" hint="One line." />
        <${TemplateText} label="Text part" value=${form.text} onInput=${set('text')} rows=${9} hint="The plain-text mail, which every mail program shows." />
        <${TemplateText} label="HTML part" value=${form.html} onInput=${set('html')} rows=${9} hint="The formatted mail, for mail programs that show HTML." />
      <//>
    </section>
    <section class="card" aria-labelledby="template-preview">
      <h2 id="template-preview">Preview of the text</h2>
      <p class="hint">With example values, as it would be sent now (unsaved changes included).</p>
      <p><strong>Subject:</strong> ${preview(form.subject, app, template.name)}</p>
      <pre class="mail-preview">${preview(form.text, app, template.name)}</pre>
    </section>`;
}

function TemplateText({ label, value, onInput, rows, hint }) {
  const id = useId();
  return html`<div class="field wide">
    <label for=${id}>${label}</label>
    <textarea id=${id} rows=${rows} spellcheck=${false} aria-describedby=${`${id}-hint`} value=${value} onInput=${(event) => onInput(event.currentTarget.value)}></textarea>
    <p class="hint" id=${`${id}-hint`}>${hint}</p>
  </div>`;
}
