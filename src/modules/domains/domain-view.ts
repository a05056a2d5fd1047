import type { DomainState, IssuerState } from './domains.service.ts';

/** How the CLI (`--json`) and the tenant admin API show a tenant's issuer and domains: snake_case. */

export interface IssuerView {
  issuer: string;
  form: IssuerState['form'];
  domain: string | null;
  /** The issuer before the last move while its tokens are still accepted; null otherwise. */
  previous_issuer: string | null;
  previous_issuer_valid_until: string | null;
}

export interface DomainView {
  domain: string;
  status: DomainState['status'];
  verification: { type: 'TXT'; name: string; value: string };
  created_at: string;
  verified_at: string | null;
}

export function issuerView(state: IssuerState): IssuerView {
  return {
    issuer: state.issuer,
    form: state.form,
    domain: state.domain,
    previous_issuer: state.previousIssuer,
    previous_issuer_valid_until: state.previousIssuerUntil?.toISOString() ?? null,
  };
}

export function domainView(state: DomainState): DomainView {
  return {
    domain: state.domain,
    status: state.status,
    verification: { type: 'TXT', name: state.challenge.name, value: state.challenge.value },
    created_at: state.createdAt.toISOString(),
    verified_at: state.verifiedAt?.toISOString() ?? null,
  };
}
