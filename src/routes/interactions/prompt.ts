import { showConsentPage } from './consent.ts';
import { clientOf, displayNameOf, type LoadedInteraction } from './load.ts';
import { showLoginPage } from './password.ts';
import { hintedConnection, startConnection } from './upstream.ts';
import { InteractionRefused } from './respond.ts';
import { pendingSecondFactor } from './second-factor-state.ts';
import { showPendingSecondFactor } from './second-factor-gate.ts';

/** The interaction's address: the page its current prompt needs, or none when consent is skipped. */
export async function showPrompt(interaction: LoadedInteraction) {
  const client = await clientOf(interaction);
  const clientName = displayNameOf(interaction, client);
  switch (interaction.details.prompt.name) {
    case 'login': {
      // Past the first factor, the page is the second step's (a reload, or the address again).
      const pending = pendingSecondFactor(interaction);
      const secondStep = pending && (await showPendingSecondFactor(interaction, pending));
      if (secondStep) return secondStep;
      const hinted = await hintedConnection(interaction);
      return hinted ? startConnection(interaction, hinted) : showLoginPage(interaction, clientName);
    }
    case 'consent':
      return showConsentPage(interaction, client, clientName);
    default:
      throw new InteractionRefused(400, 'refusal.unknownPrompt');
  }
}
