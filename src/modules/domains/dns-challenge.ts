import { Resolver } from 'node:dns/promises';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';

/**
 * Ownership of a custom domain is shown by a TXT record `_tansu-challenge.<domain>` carrying the
 * value given when the domain was added: only someone who controls the domain's DNS can publish
 * it. Looked up through DNS_RESOLVER when set (tests run a DNS server of their own), else the
 * system's resolvers.
 */
export const CHALLENGE_LABEL = '_tansu-challenge';

export function challengeRecordName(domain: string): string {
  return `${CHALLENGE_LABEL}.${domain}`;
}

/** No answer in time is an outage, not a missing record; two tries of 2 s each. */
const LOOKUP = { timeout: 2_000, tries: 2 };

/** The record's values (each TXT record's strings joined); empty when the name or the record does not exist. */
export async function challengeValues(config: Pick<Config, 'dnsResolvers'>, domain: string): Promise<string[]> {
  const resolver = new Resolver(LOOKUP);
  if (config.dnsResolvers) resolver.setServers([...config.dnsResolvers]);
  try {
    const records = await resolver.resolveTxt(challengeRecordName(domain));
    return records.map((chunks) => chunks.join(''));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw new AppError('dns_lookup_failed', `looking up ${challengeRecordName(domain)} failed (${code ?? 'error'}); try again later`, 503);
  }
}
