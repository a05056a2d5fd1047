// Passkeys on the hosted pages (src/oidc/pages/passkey-parts.ts): the one script those pages
// load, same origin, with @simplewebauthn/browser beside it (src/routes/passkeys/passkey-assets.ts).
// It finds the page's passkey form (data-passkey = sign-in | second-factor | register), shows it
// once WebAuthn is there, runs the ceremony, puts the browser's answer into the form's hidden
// `response` field and submits the form; the server does the rest and answers with a page.
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
} from './vendor/simplewebauthn/index.js';

const form = document.getElementById('passkey-form');
const button = document.getElementById('passkey-button');
const errorSlot = document.getElementById('passkey-error');

function showError(message) {
  errorSlot.textContent = message;
  errorSlot.hidden = false;
}

/** What a person can do about a failed ceremony, in words. */
function explain(error) {
  // The page puts these sentences in its own language on the form (data-msg-*).
  const say = form.dataset;
  if (error && error.name === 'NotAllowedError') return say.msgCancelled || 'The passkey request was cancelled or timed out. Try again.';
  if (error && error.name === 'InvalidStateError') return say.msgExists || 'This device already holds a passkey for your account.';
  if (error && error.error_description) return error.error_description.charAt(0).toUpperCase() + error.error_description.slice(1) + '.';
  return say.msgFailed || 'The passkey did not work here. Try again, or use another way.';
}

/** Asks the server for fresh options (a new challenge); its refusals are `{error, error_description}`. */
async function fetchOptions() {
  const response = await fetch(form.dataset.optionsUrl, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams(new FormData(form)),
    credentials: 'same-origin',
  });
  const body = await response.json().catch(() => ({ error: 'server_error', error_description: 'the server did not answer' }));
  if (!response.ok) throw body;
  return body.options;
}

function submitWith(answer) {
  form.elements.response.value = JSON.stringify(answer);
  const password = form.elements.current_password;
  if (password) password.value = '';
  form.submit();
}

async function signIn() {
  errorSlot.hidden = true;
  try {
    submitWith(await startAuthentication({ optionsJSON: await fetchOptions() }));
  } catch (error) {
    showError(explain(error));
  }
}

/** Conditional UI: the browser lists its passkeys in the email field's suggestions; no click needed. */
async function offerInAutofill() {
  if (!(await browserSupportsWebAuthnAutofill())) return;
  try {
    submitWith(await startAuthentication({ optionsJSON: await fetchOptions(), useBrowserAutofill: true }));
  } catch (error) {
    // Aborted when the button starts a ceremony of its own, left unanswered, or not possible on
    // this page (SecurityError: an RP ID the origin cannot use, e.g. an IP address): nothing the
    // person asked for failed, so nothing to say. The button still reports its own failures.
    if (error && !['AbortError', 'NotAllowedError', 'SecurityError'].includes(error.name)) showError(explain(error));
  }
}

async function secondFactor() {
  errorSlot.hidden = true;
  try {
    submitWith(await startAuthentication({ optionsJSON: JSON.parse(form.dataset.options) }));
  } catch (error) {
    showError(explain(error));
  }
}

async function register(event) {
  event.preventDefault();
  errorSlot.hidden = true;
  if (!form.reportValidity()) return;
  button.disabled = true;
  try {
    submitWith(await startRegistration({ optionsJSON: await fetchOptions() }));
  } catch (error) {
    showError(explain(error));
  } finally {
    button.disabled = false;
  }
}

if (form && browserSupportsWebAuthn()) {
  form.hidden = false;
  const mode = form.dataset.passkey;
  if (mode === 'sign-in') {
    button.addEventListener('click', signIn);
    if (form.dataset.autofill === 'on') offerInAutofill();
  } else if (mode === 'second-factor') {
    const or = document.getElementById('passkey-or');
    if (or) or.hidden = false;
    button.addEventListener('click', secondFactor);
  } else if (mode === 'register') {
    const unsupported = document.getElementById('passkey-unsupported');
    if (unsupported) unsupported.hidden = true;
    form.addEventListener('submit', register);
  }
}
