/**
 * Why a sign-in through a connection stopped, for the person (a page) and for the log (`reason`,
 * a stable code). `detail` is a sentence about the provider, with `{provider}` where its name goes
 * (the connection's display name, known to the route that renders the page).
 */
export type UpstreamRefusalReason =
  | 'unknown_state'
  | 'connection_not_found'
  | 'connection_disabled'
  | 'issuer_mismatch'
  | 'bad_signature'
  | 'nonce_mismatch'
  | 'access_denied'
  | 'token_refused'
  | 'upstream_error'
  | 'upstream_unreachable'
  | 'no_subject'
  | 'no_email'
  | 'email_not_verified'
  | 'no_account'
  | 'account_disabled'
  // SAML (saml-sign-in.service.ts)
  | 'audience_mismatch'
  | 'recipient_mismatch'
  | 'expired'
  | 'replayed'
  | 'in_response_to_mismatch'
  | 'malformed_response';

export class UpstreamRefused extends Error {
  readonly reason: UpstreamRefusalReason;
  readonly status: number;
  readonly detail: string;
  /** Known once the trip is found: the page links back into its sign-in and names the provider. */
  interactionUid?: string;
  providerName?: string;

  constructor(reason: UpstreamRefusalReason, status: number, detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'UpstreamRefused';
    this.reason = reason;
    this.status = status;
    this.detail = detail;
  }

  /** The page's sentence, with the provider's name filled in. */
  describe(providerName: string): string {
    return this.detail.replaceAll('{provider}', providerName);
  }
}
