import type { SecretBox } from '../../crypto/secret-box.ts';

/**
 * A TOTP secret is sealed in the secret box (crypto/secret-box.ts) under the master key, its
 * associated data naming the user and the factor row: a ciphertext copied to another row or
 * another user does not open. Unlike a signing key's, the label does not name the tenant: a
 * tenant restored under another id (`tansu tenant restore --as`) keeps its users, and their
 * authenticator apps must keep working there. User and factor ids are random UUIDs, so no row
 * of another tenant bears the same label either.
 */
function factorSecretLabel(userId: string, factorId: string): string {
  return `user:${userId}:mfa-factor:${factorId}`;
}

export function sealFactorSecret(secrets: SecretBox, userId: string, factorId: string, secret: string): string {
  return secrets.seal(secret, factorSecretLabel(userId, factorId));
}

export function openFactorSecret(secrets: SecretBox, factor: { id: string; user_id: string; secret_encrypted: string | null }): string | undefined {
  return factor.secret_encrypted === null ? undefined : secrets.open(factor.secret_encrypted, factorSecretLabel(factor.user_id, factor.id));
}
