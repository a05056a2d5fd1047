import { html, useEffect, useRef, useState } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { ErrorNotice, Form, Loading, PageHeading, SelectField, SuccessNotice, TextField, useId } from '../../shell/components.js';

/**
 * The tenant's branding (`/branding` of the tenant admin API): name, colours, logo, CSS and
 * default language, with the login page drawn live from the draft by `/branding/preview`.
 * A save sends the ETag it read (If-Match): a change made meanwhile is shown, never overwritten.
 */

const LANGUAGES = [
  ['en', 'English'],
  ['de', 'Deutsch'],
  ['fr', 'Français'],
  ['es', 'Español'],
  ['tr', 'Türkçe'],
];
const PREVIEW_DELAY_MS = 400;
/** The pages' own colours where the tenant sets none (src/oidc/pages/layout.ts), for the picker to start from. */
const BUILT_IN = { primary: '#2b6cb0', accent: '#1f4f85' };

export function BrandingPage({ app }) {
  const loaded = useAsync(() => app.api.get('/branding'), []);
  const [notice, setNotice] = useState('');
  if (!loaded.data) return html`<${PageHeading} title="Branding" /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;
  return html`<${PageHeading} title="Branding" />
    <p class="muted">How the tenant's login and account pages and its mails look. The preview shows the login page with your changes before you save them.</p>
    <${SuccessNotice} message=${notice} />
    <${BrandingForm} key=${loaded.data.etag} app=${app} answer=${loaded.data}
      onStale=${() => {
        setNotice('');
        loaded.reload();
      }}
      onSaved=${(answer) => {
        loaded.setData(answer);
        setNotice('Saved: every page and mail of the tenant shows it from now on.');
      }} />`;
}

/** The form's fields as the API names them; an empty text is null (the default). */
function draftOf(form, logo) {
  const orNull = (text) => (text.trim() === '' ? null : text.trim());
  return {
    display_name: orNull(form.displayName),
    primary_color: orNull(form.primaryColor),
    accent_color: orNull(form.accentColor),
    custom_css: form.customCss.trim() === '' ? null : form.customCss,
    default_language: form.language,
    ...(logo !== undefined && { logo }),
  };
}

function BrandingForm({ app, answer, onSaved, onStale }) {
  const branding = answer.data;
  const [form, setForm] = useState({
    displayName: branding.display_name ?? '',
    primaryColor: branding.primary_color ?? '',
    accentColor: branding.accent_color ?? '',
    customCss: branding.custom_css ?? '',
    language: branding.default_language,
  });
  // undefined: the stored logo stays; null: removed; a data: URL: the new one.
  const [logo, setLogo] = useState(/** @type {string | null | undefined} */ (undefined));
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const draft = draftOf(form, logo);

  const submit = async () => {
    try {
      onSaved(await app.api.patch('/branding', draft, answer.etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };

  const shownLogo = logo === undefined ? branding.logo?.url : logo;
  return html`<div class="branding">
    <div>
      ${stale
        ? html`<div class="notice error" role="alert">
            <p><strong>Someone changed the branding after you opened it.</strong> Your changes were not saved, so nothing of theirs is lost.
              Load the current version and make your change again.</p>
          </div>`
        : null}
      <section class="card" aria-labelledby="branding-edit">
        <h2 id="branding-edit">Look</h2>
        <${Form} submitLabel="Save branding" onSubmit=${submit}
          secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
          <${TextField} label="Display name" value=${form.displayName} onInput=${set('displayName')} autocomplete="off"
            hint=${`What pages and mails call the tenant. Empty: ${app.settings.tenant_name}.`} />
          <${ColorField} label="Primary colour" value=${form.primaryColor} fallback=${BUILT_IN.primary} onInput=${set('primaryColor')}
            hint=${`Buttons and focus rings, as #rrggbb. Empty: the built-in ${BUILT_IN.primary}.`} />
          <${ColorField} label="Accent colour" value=${form.accentColor} fallback=${BUILT_IN.accent} onInput=${set('accentColor')}
            hint=${`Links and button borders, as #rrggbb. Empty: the built-in ${BUILT_IN.accent}.`} />
          <${SelectField} label="Default language" value=${form.language} onChange=${set('language')} options=${LANGUAGES}
            hint="For visitors whose browser asks for none of these languages." />
          <${LogoField} logo=${shownLogo} onChange=${setLogo} />
          <div class="field wide">
            <label for="branding-css">Custom CSS</label>
            <textarea id="branding-css" rows=${8} spellcheck=${false} aria-describedby="branding-css-hint" value=${form.customCss}
              onInput=${(event) => set('customCss')(event.currentTarget.value)}></textarea>
            <p class="hint" id="branding-css-hint">At most 8 KiB, applied after the pages' own style. No @import, no url() off this server.</p>
          </div>
        <//>
      </section>
    </div>
    <${Preview} app=${app} draft=${draft} />
  </div>`;
}

/** A colour as text (#rrggbb, or empty for the default) with a picker beside it; both labelled. */
function ColorField({ label, value, fallback, onInput, hint }) {
  const id = useId();
  const full = /^#[0-9a-f]{6}$/i.test(value) ? value : /^#[0-9a-f]{3}$/i.test(value) ? `#${[...value.slice(1)].map((c) => c + c).join('')}` : fallback;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <div class="color-pair">
      <input type="color" aria-label=${`Pick the ${label.toLowerCase()}`} value=${full} onInput=${(event) => onInput(event.currentTarget.value)} />
      <input id=${id} type="text" value=${value} autocomplete="off" spellcheck=${false} maxlength=${7} placeholder="#rrggbb"
        aria-describedby=${`${id}-hint`} onInput=${(event) => onInput(event.currentTarget.value)} />
    </div>
    <p class="hint" id=${`${id}-hint`}>${hint}</p>
  </div>`;
}

/** A PNG, JPEG, GIF or WebP read in the browser as a data: URL, which is how the API takes it. */
function LogoField({ logo, onChange }) {
  const id = useId();
  const [error, setError] = useState(undefined);
  const choose = (event) => {
    const file = event.currentTarget.files?.[0];
    setError(undefined);
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => onChange(String(reader.result));
    reader.onerror = () => setError(new Error(`The file ${file.name} could not be read.`));
    reader.readAsDataURL(file);
  };
  return html`<div class="field">
    <label for=${id}>Logo</label>
    ${logo ? html`<p class="logo-current"><img src=${logo} alt="The logo as it is now" /></p>` : html`<p class="muted">No logo: the pages show the name only.</p>`}
    <input id=${id} type="file" accept="image/png,image/jpeg,image/gif,image/webp" aria-describedby=${`${id}-hint`} onChange=${choose} />
    <p class="hint" id=${`${id}-hint`}>PNG, JPEG, GIF or WebP, at most 64 KiB.</p>
    ${logo ? html`<button type="button" class="secondary" onClick=${() => onChange(null)}>Remove logo</button>` : null}
    <${ErrorNotice} error=${error} />
  </div>`;
}

/**
 * The login page drawn by the server from the draft, asked for again a moment after the last
 * change. It comes with the admin token, so the frame cannot load it itself: the console puts
 * the page in `srcdoc`, in a sandbox without scripts, forms or navigation. A srcdoc page lives
 * under the console's own policy (no inline style), so each of its `<style>` elements becomes a
 * blob: stylesheet made here, the one kind of style the console's policy adds ('self' blob:).
 */
function Preview({ app, draft }) {
  const [page, setPage] = useState(/** @type {string | null} */ (null));
  const [error, setError] = useState(undefined);
  const urls = useRef(/** @type {string[]} */ ([]));
  const asked = useRef(0);
  const key = JSON.stringify(draft);
  useEffect(() => {
    const timer = setTimeout(async () => {
      const number = ++asked.current;
      try {
        const answer = await app.api.postForText('/branding/preview', previewBody(draft));
        if (number !== asked.current) return;
        const { text, made } = framable(answer.data);
        // The stylesheets of the page shown until now are no longer needed once the new one is in.
        const old = urls.current;
        urls.current = made;
        setPage(text);
        setError(undefined);
        setTimeout(() => old.forEach((url) => URL.revokeObjectURL(url)), 1000);
      } catch (caught) {
        if (number === asked.current) setError(caught);
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [key]);
  useEffect(() => () => urls.current.forEach((url) => URL.revokeObjectURL(url)), []);
  return html`<section class="card branding-preview" aria-labelledby="branding-preview">
    <h2 id="branding-preview">Preview of the login page</h2>
    <p class="hint">With your unsaved changes; its buttons do nothing here.</p>
    ${error ? html`<${ErrorNotice} error=${error} />` : null}
    ${page === null
      ? error
        ? null
        : html`<p class="muted" role="status">Drawing the preview…</p>`
      : html`<iframe title="Preview of the login page" sandbox="allow-same-origin" srcdoc=${page}></iframe>`}
  </section>`;
}

/** A colour still being typed ("#12") is left out of the preview, which then keeps the stored one; saving it is refused. */
function previewBody(draft) {
  const body = { ...draft, language: draft.default_language };
  for (const field of ['primary_color', 'accent_color']) if (body[field] !== null && !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(body[field])) delete body[field];
  return body;
}

/**
 * The preview page with its inline styles moved into blob: stylesheets (see Preview), and its
 * autofocus dropped (a sandbox without scripts refuses it, and says so in the console). A string
 * edit, not a DOMParser: a parsed document lives under the console's policy too and reports every
 * `<style>` in it. The page is our server's, its CSS cannot hold a "<" (the API refuses one).
 */
function framable(pageHtml) {
  const made = [];
  const text = pageHtml
    .replace(/<style>([^<]*)<\/style>/g, (whole, css) => {
      const url = URL.createObjectURL(new Blob([css], { type: 'text/css' }));
      made.push(url);
      return `<link rel="stylesheet" href="${url}">`;
    })
    .replace(/(<input\b[^>]*?)\sautofocus\b/g, '$1');
  return { text, made };
}
