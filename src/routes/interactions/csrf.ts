import crypto from 'node:crypto';
import type { LoadedInteraction } from './load.ts';
import { InteractionRefused } from './respond.ts';

/**
 * The form token for one interaction: an HMAC of its uid under the tenant's cookie key. A form
 * post must carry it and the interaction's own signed cookie, so another site can neither forge
 * the post nor replay a token from an interaction it started itself.
 */
export function csrfTokenFor(key: string, uid: string): string {
  return crypto.createHmac('sha256', key).update(`interaction-csrf:${uid}`).digest('base64url');
}

export function csrfTokenValid(key: string, uid: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(key, uid));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

/** The token of the page this interaction showed, for its forms. */
export function csrfTokenOf(interaction: LoadedInteraction): string {
  return csrfTokenFor(interaction.csrfKey, interaction.details.uid);
}

/** Every form post of an interaction, first thing after loading it. */
export function requireCsrf(interaction: LoadedInteraction): void {
  const form = (interaction.request.body ?? {}) as { csrf?: unknown };
  if (!csrfTokenValid(interaction.csrfKey, interaction.details.uid, form.csrf)) {
    throw new InteractionRefused(403, 'refusal.formExpired');
  }
}
