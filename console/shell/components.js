import { html, useEffect, useMemo, useRef, useState } from './preact.js';

/**
 * The pieces every console page is built from. Each field has a visible label tied to its
 * control, refusals are announced (role=alert) and successes read out politely (role=status),
 * and dialogs are native `<dialog>` elements: modal, closed by Escape, focus kept inside.
 */

let lastId = 0;
/** A stable id for a label's `for`. */
export function useId(prefix = 'f') {
  return useMemo(() => `${prefix}${++lastId}`, []);
}

export function PageHeading({ title, children }) {
  return html`<div class="page-head">
    <h1 tabindex="-1">${title}</h1>
    ${children ? html`<div class="actions">${children}</div>` : null}
  </div>`;
}

/** What the API refused, in its own words (`error_description`), with its code. */
export function ErrorNotice({ error }) {
  if (!error) return null;
  const description = error.description ?? error.message ?? String(error);
  return html`<div class="notice error" role="alert">
    <p>${description}${error.code ? html` <span class="code">(${error.code})</span>` : null}</p>
  </div>`;
}

export function SuccessNotice({ message }) {
  return html`<div class="notice success" role="status" aria-live="polite">${message ? html`<p>${message}</p>` : null}</div>`;
}

export function Loading({ what = 'Loading…' }) {
  return html`<p class="loading" role="status">${what}</p>`;
}

export function TextField({ label, value, onInput, type = 'text', hint, required, autocomplete, name, inputmode, min, max, placeholder, readonly }) {
  const id = useId();
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${name} type=${type} value=${value ?? ''} required=${required} autocomplete=${autocomplete} inputmode=${inputmode}
      min=${min} max=${max} placeholder=${placeholder} readonly=${readonly} aria-describedby=${hint ? `${id}-hint` : undefined}
      onInput=${(event) => onInput?.(event.currentTarget.value)} />
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
  </div>`;
}

/** One value a line: redirect URIs, origins, scopes, roles. */
export function ListField({ label, values, onChange, hint, name, rows = 3 }) {
  const id = useId();
  const [text, setText] = useState((values ?? []).join('\n'));
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <textarea id=${id} name=${name} rows=${rows} aria-describedby=${`${id}-hint`} spellcheck=${false} value=${text}
      onInput=${(event) => {
        setText(event.currentTarget.value);
        onChange(linesOf(event.currentTarget.value));
      }}></textarea>
    <p class="hint" id=${`${id}-hint`}>${hint ?? 'One a line.'}</p>
  </div>`;
}

/** @param {string} text */
export function linesOf(text) {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);
}

export function SelectField({ label, value, onChange, options, hint, name }) {
  const id = useId();
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} name=${name} value=${value} aria-describedby=${hint ? `${id}-hint` : undefined} onChange=${(event) => onChange(event.currentTarget.value)}>
      ${options.map(([optionValue, optionLabel]) => html`<option value=${optionValue} selected=${optionValue === value}>${optionLabel}</option>`)}
    </select>
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
  </div>`;
}

export function CheckboxField({ label, checked, onChange, hint, name }) {
  const id = useId();
  return html`<div class="field checkbox">
    <input id=${id} name=${name} type="checkbox" checked=${checked} aria-describedby=${hint ? `${id}-hint` : undefined}
      onChange=${(event) => onChange(event.currentTarget.checked)} />
    <label for=${id}>${label}</label>
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
  </div>`;
}

/**
 * A form whose submit runs `onSubmit` (async), shows its refusal, and disables the button
 * meanwhile. `children` are the fields.
 */
export function Form({ onSubmit, submitLabel, children, secondary, busyLabel = 'Working…' }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit}>
    ${children}
    <${ErrorNotice} error=${error} />
    <div class="form-actions">
      <button type="submit" disabled=${busy}>${busy ? busyLabel : submitLabel}</button>
      ${secondary}
    </div>
  </form>`;
}

/**
 * A modal dialog. The element that opened it gets the focus back when it closes.
 * @param {{title: string, open: boolean, onClose: () => void, children: any}} props
 */
export function Dialog({ title, open, onClose, children }) {
  const ref = useRef(/** @type {HTMLDialogElement | null} */ (null));
  const opener = useRef(/** @type {Element | null} */ (null));
  const id = useId('d');
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  const closed = () => {
    if (opener.current instanceof HTMLElement) opener.current.focus();
    if (open) onClose();
  };
  return html`<dialog ref=${ref} aria-labelledby=${id} onClose=${closed}>
    <div class="dialog-head">
      <h2 id=${id}>${title}</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${() => onClose()}>×</button>
    </div>
    ${open ? children : null}
  </dialog>`;
}

/** A button running an async action, its refusal shown beside it. */
export function ActionButton({ label, onClick, className = '' }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onClick();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" class=${className} disabled=${busy} onClick=${run}>${label}</button>${error ? html`<${ErrorNotice} error=${error} />` : null}`;
}

/** A button that asks before doing something that cannot be undone. */
export function ConfirmButton({ label, title, message, confirmLabel, onConfirm, danger = false, className = '' }) {
  const [open, setOpen] = useState(false);
  return html`<button type="button" class=${`${danger ? 'danger' : 'secondary'} ${className}`} onClick=${() => setOpen(true)}>${label}</button>
    <${Dialog} title=${title ?? label} open=${open} onClose=${() => setOpen(false)}>
      <${Form}
        submitLabel=${confirmLabel ?? label}
        onSubmit=${async () => {
          await onConfirm();
          setOpen(false);
        }}
        secondary=${html`<button type="button" class="secondary" onClick=${() => setOpen(false)}>Cancel</button>`}>
        <p>${message}</p>
      <//>
    <//>`;
}

/** Copies `text` to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy' }) {
  const [state, setState] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('Copied');
    } catch {
      setState('Copying failed: select the text and copy it');
    }
  };
  return html`<button type="button" class="secondary" onClick=${copy}>${label}</button><span class="copy-state" role="status">${state}</span>`;
}

/** A secret or code shown once, with its copy button. */
export function OnceValue({ label, value }) {
  const id = useId('v');
  return html`<div class="once">
    <p id=${id}><strong>${label}</strong></p>
    <code class="secret" aria-labelledby=${id}>${value}</code>
    <div class="form-actions"><${CopyButton} text=${value} label=${`Copy ${label.toLowerCase()}`} /></div>
  </div>`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function Time({ value, empty = '—' }) {
  if (!value) return html`<span class="muted">${empty}</span>`;
  return html`<time datetime=${value} title=${value}>${dateTime.format(new Date(value))}</time>`;
}

/** Previous/next buttons for a usePaged list. */
export function Pager({ paged, label = 'Pages' }) {
  if (!paged.hasPrevious && !paged.hasNext) return null;
  return html`<nav class="pager" aria-label=${label}>
    <button type="button" class="secondary" disabled=${!paged.hasPrevious || paged.loading} onClick=${paged.previous}>Previous</button>
    <span>Page ${paged.number}</span>
    <button type="button" class="secondary" disabled=${!paged.hasNext || paged.loading} onClick=${paged.next}>Next</button>
  </nav>`;
}

export function Badge({ tone = 'neutral', children }) {
  return html`<span class=${`badge ${tone}`}>${children}</span>`;
}

/** Facts as a description list. @param {{items: [string, any][]}} props */
export function Facts({ items }) {
  return html`<dl class="facts">${items.map(([term, value]) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`)}</dl>`;
}

/** A table that scrolls sideways on a narrow screen instead of breaking the page. */
export function Table({ caption, head, children, empty, rows }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table>
      <caption class="visually-hidden">${caption}</caption>
      <thead><tr>${head.map((cell) => html`<th scope="col">${cell}</th>`)}</tr></thead>
      <tbody>${rows === 0 ? html`<tr><td colspan=${head.length} class="muted">${empty ?? 'Nothing here yet.'}</td></tr>` : children}</tbody>
    </table>
  </div>`;
}
