import crypto from 'node:crypto';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { AppError } from '../../errors.ts';
import { CLIENT_FEATURES, clientProfile, PASSWORD_GRANT, PASSWORD_GRANT_PARAMETERS, TOKEN_EXCHANGE_GRANT, TOKEN_EXCHANGE_PARAMETERS } from './client-profile.ts';

let validator: Provider | undefined;

/**
 * A provider with the tenants' client profile (client-profile.ts), used only for its client
 * schema: a client is checked by the same rules at creation as when a tenant's provider loads it.
 * It never serves a request, so its grant handler is never called.
 */
function validatorProvider(): Provider {
  if (validator) return validator;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'validator', alg: 'RS256', use: 'sig' };
  const provider = new Provider('https://client-validation.tansu.invalid/t/validation', {
    ...clientProfile(),
    jwks: { keys: [jwk] as never },
    features: structuredClone(CLIENT_FEATURES) as never,
  });
  // The same grant types as a tenant's provider (oidc/password-grant.ts, oidc/token-exchange.ts), so the schema accepts them.
  provider.registerGrantType(PASSWORD_GRANT, async () => undefined, PASSWORD_GRANT_PARAMETERS);
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, async () => undefined, TOKEN_EXCHANGE_PARAMETERS);
  validator = provider;
  return provider;
}

export async function assertValidClientMetadata(metadata: ClientMetadata): Promise<void> {
  const provider = validatorProvider();
  try {
    await provider.Client.validate(metadata);
  } catch (error) {
    const providerError = error as { error?: string; error_description?: string };
    if (providerError.error) {
      throw new AppError(providerError.error, providerError.error_description ?? 'the client metadata is invalid');
    }
    throw error;
  }
}
