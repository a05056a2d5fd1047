import crypto from 'node:crypto';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { AppError } from '../errors.ts';
import type { TenantDb } from '../db/tenant-database.ts';
import { providerConfiguration } from './configuration.ts';
import { createTenantCatalog } from './tenant-catalog.ts';
import { registerPasswordGrant } from './password-grant.ts';

let validator: Promise<Provider> | undefined;

/**
 * A provider with the tenants' configuration, used only for its client schema: a client is
 * checked by the same rules at creation as when a tenant's provider loads it.
 */
function validatorProvider(): Promise<Provider> {
  validator ??= (async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'validator', alg: 'RS256', use: 'sig' };
    const unusedDb = undefined as unknown as TenantDb;
    const issuer = 'https://client-validation.tansu.invalid/t/validation';
    const configuration = providerConfiguration({
      tenantId: 'validation',
      tenantName: 'validation',
      issuer,
      db: unusedDb,
      jwks: [jwk],
      cookieKeys: [crypto.randomBytes(32).toString('base64url')],
      catalog: createTenantCatalog(unusedDb),
    });
    const provider = new Provider(issuer, configuration);
    // The same grant types as a tenant's provider (see provider.ts), so the schema accepts them.
    const unusedKeys = { tenantId: 'validation', identifier: crypto.randomBytes(32), device: crypto.randomBytes(32) };
    registerPasswordGrant(provider, { db: unusedDb, loginKeys: unusedKeys, resourceIndicators: configuration.features!.resourceIndicators! });
    return provider;
  })();
  return validator;
}

export async function assertValidClientMetadata(metadata: ClientMetadata): Promise<void> {
  const provider = await validatorProvider();
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
