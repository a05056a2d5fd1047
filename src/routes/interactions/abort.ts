import { finishInteraction } from './finish.ts';
import type { LoadedInteraction } from './load.ts';

/** The login page's Cancel: the application hears access_denied, as from a denied consent. */
export async function abortInteraction(interaction: LoadedInteraction): Promise<void> {
  await finishInteraction(interaction, { error: 'access_denied', error_description: 'the user cancelled the sign-in' }, false);
}
