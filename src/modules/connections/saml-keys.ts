import 'reflect-metadata';
import crypto from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * The service provider's own signing key and certificate, one pair per SAML connection, made
 * when the connection is added. The certificate is self-signed: SAML peers trust the certificate
 * published in metadata as it is, not through a chain. The key signs AuthnRequests when the IdP
 * asks for signed requests; the private key is sealed like a client secret and never shown.
 * (@peculiar/x509 needs the reflect-metadata polyfill, imported above.)
 */

const ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const TEN_YEARS_MS = 10 * 365 * 24 * 60 * 60 * 1000;

export interface SpKeyPair {
  privateKeyPem: string;
  certificatePem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export async function generateSpKeyPair(commonName: string): Promise<SpKeyPair> {
  const { subtle } = crypto.webcrypto;
  const keys = (await subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
      // A distinguished name's value may not carry its syntax characters unescaped.
      name: `CN=${commonName.replace(/[,+="\\<>;#]/g, '_').slice(0, 64)}`,
      notBefore: new Date(now - 60 * 60 * 1000),
      notAfter: new Date(now + TEN_YEARS_MS),
      signingAlgorithm: ALGORITHM,
      keys,
    },
    crypto.webcrypto as unknown as Crypto,
  );
  return { privateKeyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)), certificatePem: certificate.toString('pem') };
}
