import type { Connection } from './connection.ts';
import type { UpstreamProfile } from './upstream-profile.ts';

/**
 * Who a verified SAML assertion says signed in. The subject is the NameID (the IdP should send a
 * persistent or email NameID: a transient one changes at every sign-in, so each would look like
 * a new person). Profile fields are read from the attribute names IdPs commonly use: the plain
 * LDAP names, their OIDs (SAML V2.0 X.500/LDAP attribute profile) and the WS-Federation claim URIs
 * that AD FS and Entra ID send.
 */

const EMAIL = ['email', 'mail', 'emailAddress', 'urn:oid:0.9.2342.19200300.100.1.3', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'];
const NAME = ['name', 'displayName', 'urn:oid:2.16.840.1.113730.3.1.241', 'http://schemas.microsoft.com/identity/claims/displayname'];
const GIVEN_NAME = ['givenName', 'given_name', 'firstName', 'urn:oid:2.5.4.42', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'];
const FAMILY_NAME = ['sn', 'surname', 'family_name', 'lastName', 'urn:oid:2.5.4.4', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname'];

type Attributes = Record<string, unknown>;

const text = (value: unknown): string | null => {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim().slice(0, 320) : null;
};

function firstOf(attributes: Attributes, names: readonly string[]): string | null {
  for (const name of names) {
    const value = text(attributes[name]);
    if (value !== null) return value;
  }
  return null;
}

const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The email rule: SAML has no `email_verified`, so an address from an IdP counts as confirmed
 * only when the admin vouches for the IdP (`trust_email`), and, when the connection lists email
 * domains, only for an address in one of them: an organisation's IdP speaks for its own domains,
 * not for a gmail.com address a user typed into their directory profile.
 */
export function samlEmailVerified(connection: Pick<Connection, 'trustEmail' | 'domains'>, email: string | null): boolean {
  if (email === null || !connection.trustEmail) return false;
  const domain = email.split('@')[1]?.toLowerCase() ?? '';
  return connection.domains.length === 0 || connection.domains.includes(domain);
}

export function samlProfile(connection: Pick<Connection, 'trustEmail' | 'domains'>, nameId: string, attributes: Attributes): UpstreamProfile {
  const email = firstOf(attributes, EMAIL) ?? (LOOKS_LIKE_EMAIL.test(nameId) ? nameId : null);
  const givenName = firstOf(attributes, GIVEN_NAME);
  const familyName = firstOf(attributes, FAMILY_NAME);
  return {
    subject: nameId,
    email,
    emailVerified: samlEmailVerified(connection, email),
    name: firstOf(attributes, NAME) ?? ([givenName, familyName].filter(Boolean).join(' ') || null),
    givenName,
    familyName,
  };
}
