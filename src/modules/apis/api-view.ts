import type { ApiRow } from './apis.repository.ts';

/** An API as the tenant admin API shows it (snake_case, as every JSON this service writes). */
export interface ApiView {
  id: string;
  identifier: string;
  name: string;
  scopes: string[];
  access_token_ttl: number;
  is_default: boolean;
  created_at: string;
}

export function apiView(row: ApiRow): ApiView {
  return {
    id: row.id,
    identifier: row.identifier,
    name: row.name,
    scopes: row.scopes,
    access_token_ttl: row.access_token_ttl,
    is_default: row.is_default,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** What the audit log keeps of an API: the properties an admin sets. */
export function apiAuditSummary(row: ApiRow) {
  return { identifier: row.identifier, name: row.name, scopes: row.scopes, access_token_ttl: row.access_token_ttl, is_default: row.is_default };
}
