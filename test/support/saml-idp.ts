import crypto from 'node:crypto';
import * as samlify from 'samlify';
import { generateSpKeyPair } from '../../src/modules/connections/saml-keys.ts';
import '../../src/modules/connections/saml-setup.ts';

/**
 * A SAML identity provider run by the tests: samlify in the IdP role with a key and self-signed
 * certificate made at test time. It reads the service provider's AuthnRequest from the redirect
 * the login page sends the browser to, and builds signed responses whose every part a test may
 * change (audience, recipient, times, InResponseTo, the signing key) to see the SP refuse them.
 */

const ASSERTION = "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

export interface SamlUser {
  nameId: string;
  attributes?: Record<string, string>;
}

export interface ResponseOptions {
  /** What InResponseTo names; null leaves it out (an unsolicited answer). Default: the request's ID. */
  inResponseTo?: string | null;
  audience?: string;
  recipient?: string;
  destination?: string;
  notBefore?: Date;
  notOnOrAfter?: Date;
  assertionId?: string;
  /** Sign with this key and certificate instead of the IdP's (a forger with its own key). */
  signer?: { privateKeyPem: string; certificatePem: string };
  /** No signature at all. */
  unsigned?: boolean;
  /** Changes the signed XML afterwards (an assertion altered in transit). */
  tamper?: (xml: string) => string;
}

export interface AuthnRequestSeen {
  id: string;
  acsUrl: string;
  issuer: string;
}

const escapeXml = (value: string) => value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export class TestSamlIdp {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly keys: { privateKeyPem: string; certificatePem: string };
  readonly metadata: string;

  private constructor(entityId: string, ssoUrl: string, keys: { privateKeyPem: string; certificatePem: string }, wantAuthnRequestsSigned: boolean) {
    this.entityId = entityId;
    this.ssoUrl = ssoUrl;
    this.keys = keys;
    this.metadata = samlify
      .IdentityProvider({
        entityID: entityId,
        signingCert: keys.certificatePem,
        wantAuthnRequestsSigned,
        nameIDFormat: ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
        singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: ssoUrl }],
      })
      .getMetadata();
  }

  static async start(entityId = 'https://idp.example.test/saml', options: { wantAuthnRequestsSigned?: boolean } = {}): Promise<TestSamlIdp> {
    return new TestSamlIdp(entityId, `${entityId}/sso`, await generateSpKeyPair('test idp'), options.wantAuthnRequestsSigned ?? false);
  }

  /**
   * The AuthnRequest in a redirect to the SSO URL, read (and, when the SP's metadata says it signs
   * its requests, verified) by samlify with the SP's published metadata.
   */
  async readRequest(redirect: URL, spMetadata: string): Promise<AuthnRequestSeen> {
    const idp = samlify.IdentityProvider({ metadata: this.metadata, privateKey: this.keys.privateKeyPem });
    const sp = samlify.ServiceProvider({ metadata: spMetadata });
    const query = Object.fromEntries(redirect.searchParams);
    const octetString = ['SAMLRequest', 'RelayState', 'SigAlg'].filter((name) => redirect.searchParams.has(name)).map((name) => `${name}=${encodeURIComponent(redirect.searchParams.get(name)!)}`).join('&');
    const parsed = await idp.parseLoginRequest(sp, 'redirect', { query, octetString });
    const request = parsed.extract.request as Record<string, string>;
    return { id: request.id!, acsUrl: request.assertionConsumerServiceUrl!, issuer: String(parsed.extract.issuer) };
  }

  /** A base64 SAMLResponse for the HTTP-POST binding, its assertion signed unless told otherwise. */
  respond(request: AuthnRequestSeen, user: SamlUser, options: ResponseOptions = {}): string {
    const now = new Date();
    const notOnOrAfter = options.notOnOrAfter ?? new Date(now.getTime() + 5 * 60 * 1000);
    const inResponseTo = options.inResponseTo === undefined ? request.id : options.inResponseTo;
    const attributes = Object.entries(user.attributes ?? {})
      .map(([name, value]) => `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue xsi:type="xs:string">${escapeXml(value)}</saml:AttributeValue></saml:Attribute>`)
      .join('');
    let xml = samlify.SamlLib.replaceTagsByValue(samlify.SamlLib.defaultLoginResponseTemplate.context, {
      ID: `_${crypto.randomUUID()}`,
      AssertionID: options.assertionId ?? `_${crypto.randomUUID()}`,
      Destination: options.destination ?? request.acsUrl,
      Audience: options.audience ?? request.issuer,
      SubjectRecipient: options.recipient ?? request.acsUrl,
      Issuer: this.entityId,
      IssueInstant: now.toISOString(),
      StatusCode: samlify.Constants.StatusCode.Success,
      ConditionsNotBefore: (options.notBefore ?? now).toISOString(),
      ConditionsNotOnOrAfter: notOnOrAfter.toISOString(),
      SubjectConfirmationDataNotOnOrAfter: notOnOrAfter.toISOString(),
      NameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      NameID: user.nameId,
      InResponseTo: inResponseTo ?? '',
      AuthnStatement: '',
      AttributeStatement: '',
    });
    // replaceTagsByValue escapes what it puts in, so the statements (XML) go in afterwards.
    const statements = [
      `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
      attributes === '' ? '' : `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`,
    ].join('');
    xml = xml.replace('</saml:Conditions>', `</saml:Conditions>${statements}`);
    if (inResponseTo === null) xml = xml.replaceAll(' InResponseTo=""', '');
    if (!options.unsigned) {
      const signer = options.signer ?? this.keys;
      xml = samlify.SamlLib.constructSAMLSignature({
        rawSamlMessage: xml,
        referenceTagXPath: ASSERTION,
        privateKey: signer.privateKeyPem,
        signingCert: samlify.Utility.normalizeCerString(signer.certificatePem),
        signatureAlgorithm: RSA_SHA256,
        isBase64Output: false,
        signatureConfig: { prefix: 'ds', location: { reference: `${ASSERTION}/*[local-name(.)='Issuer']`, action: 'after' } },
      });
    }
    if (options.tamper) xml = options.tamper(xml);
    return Buffer.from(xml).toString('base64');
  }
}
