import * as samlify from 'samlify';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { openConnectionSecret, samlAcsUrl, samlMetadataUrl, type Connection } from './connection.ts';
import type { ConnectionRow } from './connections.repository.ts';
import './saml-setup.ts';

/**
 * samlify's two ends of one SAML connection, built from the row on each use (a few milliseconds;
 * nothing to go stale when the admin changes the connection): the IdP from its metadata, and this
 * tenant as the service provider, with the connection's own key and certificate.
 */

/** Clock skew allowed on each side of an assertion's validity window. */
export const CLOCK_SKEW_MS = 90 * 1000;

export const POST_BINDING = samlify.Constants.namespace.binding.post;

export function samlIdentityProvider(connection: Connection): samlify.IdentityProviderInstance {
  return samlify.IdentityProvider({ metadata: connection.saml!.idpMetadata });
}

/**
 * The SP. Assertions must be signed (WantAssertionsSigned in the published metadata; a response
 * signed as a whole covers its assertion too and is accepted as well). AuthnRequests are signed
 * exactly when the IdP's metadata asks for it: samlify refuses a mismatch either way.
 */
export function samlServiceProvider(scope: Pick<TenantScope, 'id' | 'issuer' | 'secrets'>, row: ConnectionRow, connection: Connection): samlify.ServiceProviderInstance {
  const saml = connection.saml!;
  return samlify.ServiceProvider({
    entityID: samlMetadataUrl(scope, connection.name),
    authnRequestsSigned: saml.wantAuthnRequestsSigned,
    wantAssertionsSigned: true,
    privateKey: openConnectionSecret(scope, row),
    signingCert: saml.spCertificate,
    nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    assertionConsumerService: [{ Binding: POST_BINDING, Location: samlAcsUrl(scope, connection.name) }],
    clockDrifts: [-CLOCK_SKEW_MS, CLOCK_SKEW_MS],
  });
}

/** The SP metadata document published at samlMetadataUrl (without the private key, of course). */
export function samlSpMetadata(scope: Pick<TenantScope, 'issuer'>, connection: Connection): string {
  const saml = connection.saml!;
  return samlify.ServiceProvider({
    entityID: samlMetadataUrl(scope, connection.name),
    authnRequestsSigned: saml.wantAuthnRequestsSigned,
    wantAssertionsSigned: true,
    signingCert: saml.spCertificate,
    nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    assertionConsumerService: [{ Binding: POST_BINDING, Location: samlAcsUrl(scope, connection.name) }],
  }).getMetadata();
}
