import crypto from 'node:crypto';
import * as samlify from 'samlify';
import { AppError } from '../../errors.ts';
import './saml-setup.ts';

/** What a SAML connection needs from its IdP's metadata, read once when the admin gives it. */
export interface IdpMetadataSummary {
  entityId: string;
  /** Where AuthnRequests go (HTTP-Redirect binding). */
  ssoUrl: string;
  wantAuthnRequestsSigned: boolean;
  /** SHA-256 fingerprints of the signing certificates, for the admin to compare with the IdP's. */
  certificateFingerprints: string[];
}

const invalid = (message: string) => new AppError('invalid_connection', message);
// samlify names a binding by its short name here and maps it to the URN itself.
const REDIRECT = 'redirect';
export const MAX_METADATA_LENGTH = 200_000;

function fingerprint(base64Der: string): string {
  const hex = crypto.createHash('sha256').update(Buffer.from(base64Der.replace(/\s+/g, ''), 'base64')).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

function certificatesOf(metadata: samlify.IdentityProviderInstance['entityMeta']): string[] {
  const found = metadata.getX509Certificate('signing');
  const list = (Array.isArray(found) ? found.flat(Infinity) : [found]) as unknown[];
  return list.filter((cert): cert is string => typeof cert === 'string' && cert.trim() !== '');
}

/**
 * The IdP's metadata XML, checked: one IdP entity with an entity ID, a single sign-on service with
 * the HTTP-Redirect binding (the only one this service provider sends AuthnRequests with, a plain
 * redirect the login page can follow), and at least one signing certificate, each of which parses
 * as X.509: assertions are accepted only with a valid signature by one of them.
 */
export function readIdpMetadata(xml: unknown): IdpMetadataSummary {
  if (typeof xml !== 'string' || xml.trim() === '' || xml.length > MAX_METADATA_LENGTH) {
    throw invalid(`metadata must be the identity provider's SAML metadata XML (at most ${MAX_METADATA_LENGTH} characters)`);
  }
  if (/<!DOCTYPE/i.test(xml)) throw invalid('metadata must not contain a DOCTYPE');
  let idp: samlify.IdentityProviderInstance;
  try {
    idp = samlify.IdentityProvider({ metadata: xml });
  } catch (error) {
    throw invalid(`metadata is not SAML metadata this service provider can read (${String((error as Error).message ?? error).slice(0, 120)})`);
  }
  const meta = idp.entityMeta;
  const entityId = meta.getEntityID();
  if (typeof entityId !== 'string' || entityId.trim() === '' || entityId.length > 500) {
    throw invalid('metadata must describe one identity provider (an EntityDescriptor with an entityID and an IDPSSODescriptor)');
  }
  const ssoUrl = meta.getSingleSignOnService(REDIRECT);
  if (typeof ssoUrl !== 'string' || !URL.canParse(ssoUrl) || !/^https?:$/.test(new URL(ssoUrl).protocol)) {
    throw invalid('metadata must name a SingleSignOnService with the HTTP-Redirect binding (an http(s) URL)');
  }
  const certificates = certificatesOf(meta);
  if (certificates.length === 0) throw invalid('metadata must include the signing certificate (a KeyDescriptor with an X509Certificate)');
  for (const cert of certificates) {
    try {
      new crypto.X509Certificate(Buffer.from(cert.replace(/\s+/g, ''), 'base64'));
    } catch {
      throw invalid('a signing certificate in the metadata is not a valid X.509 certificate');
    }
  }
  return { entityId, ssoUrl, wantAuthnRequestsSigned: meta.isWantAuthnRequestsSigned(), certificateFingerprints: certificates.map(fingerprint) };
}
