import type { SignIn } from '../../oidc/sign-in.ts';
import type { LoadedInteraction } from './load.ts';

/**
 * Between the first factor and the second, the interaction remembers who passed the first and
 * how, server side, in its own row (the provider's Interaction, under `result`). Not as a
 * `login` result: the provider's resume endpoint would take that as a finished sign-in, so a
 * person who knew only the password could skip to it. The provider ignores this key; the
 * interaction ends (and the key with it) when finishSignIn hands over the real login.
 *
 * The state lasts a quarter of an hour after the first factor: a password typed long ago on a
 * shared computer does not stay half a sign-in for the interaction's whole hour.
 */
export const PENDING_SECONDS = 15 * 60;

export interface PendingSecondFactor {
  /** The first factor's sign-in: its account and how it was proved. */
  signIn: SignIn;
  /** Unix seconds of the first factor. */
  since: number;
  /** `verify`: asked for a code; `enrol`: setting up `factorId`; `enrolled`: set up, recovery codes shown. */
  step: 'verify' | 'enrol' | 'enrolled';
  factorId?: string;
  /** Why an enrolment is asked for, as the page says it. */
  reason?: string;
}

const KEY = 'tansuSecondFactor';

type WithState = { result?: Record<string, unknown>; persist(): Promise<unknown> };

export function pendingSecondFactor(interaction: LoadedInteraction): PendingSecondFactor | undefined {
  const state = (interaction.details as unknown as WithState).result?.[KEY] as PendingSecondFactor | undefined;
  if (!state || Date.now() / 1000 - state.since > PENDING_SECONDS) return undefined;
  return state;
}

export async function savePendingSecondFactor(interaction: LoadedInteraction, state: PendingSecondFactor): Promise<void> {
  const details = interaction.details as unknown as WithState;
  details.result = { [KEY]: state };
  await details.persist();
}
