import { Type } from 'typebox';
import { TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS } from './admin-schemas.ts';

/** Request and answer shapes of the tenant admin API's issuer and custom domains (domains.routes.ts). */

const tags = ['domains'];

/** modules/domains/domain-view.ts's IssuerView. */
export const Issuer = Type.Object(
  {
    issuer: Type.String({ description: "the tenant's one issuer: in every document and token, whichever way it is reached" }),
    form: Type.Union([Type.Literal('path'), Type.Literal('subdomain'), Type.Literal('domain')], {
      description: 'path: <public URL>/t/<id>; subdomain: <id>.<BASE_DOMAIN>; domain: the active custom domain',
    }),
    domain: Type.Union([Type.String(), Type.Null()], { description: 'the active custom domain, if any' }),
    previous_issuer: Type.Union([Type.String(), Type.Null()], { description: "the issuer before the last move, while the tenant's APIs still accept its tokens" }),
    previous_issuer_valid_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

/** modules/domains/domain-view.ts's DomainView. */
export const Domain = Type.Object(
  {
    domain: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('active')], {
      description: 'pending until the TXT record is seen; active while it is the issuer',
    }),
    verification: Type.Object(
      {
        type: Type.Literal('TXT'),
        name: Type.String({ description: '_tansu-challenge.<domain>' }),
        value: Type.String({ description: 'what the record must hold' }),
      },
      { additionalProperties: false },
    ),
    created_at: Type.String({ format: 'date-time' }),
    verified_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const DomainParams = Type.Object({
  tenant: TenantParams.properties.tenant,
  domain: Type.String({ minLength: 1, maxLength: 253, description: 'the custom domain, e.g. auth.example.com' }),
});

const DOMAIN_ERRORS = { ...ADMIN_ERRORS, 400: 'invalid_request or invalid_domain', 404: 'tenant_not_found or domain_not_found' };

export const readIssuerSchema = {
  summary: "The tenant's issuer: its form, the active domain, the issuer before the last move",
  tags,
  params: TenantParams,
  response: { 200: Issuer, ...errorResponses(ADMIN_ERRORS) },
};

export const setIssuerSchema = {
  summary: 'Put the issuer in the path or subdomain form (an active domain stops being the issuer); the old issuer keeps its tokens valid for a day',
  tags,
  params: TenantParams,
  body: Type.Object(
    { form: Type.Union([Type.Literal('path'), Type.Literal('subdomain')], { description: 'subdomain needs BASE_DOMAIN' }) },
    { additionalProperties: false },
  ),
  response: {
    200: Issuer,
    ...errorResponses({ ...ADMIN_ERRORS, 409: 'base_domain_not_configured, or issuer_fixed (the admin tenant)' }),
  },
};

export const listDomainsSchema = {
  summary: "The tenant's issuer and custom domains",
  tags,
  params: TenantParams,
  response: {
    200: Type.Object({ issuer: Issuer, items: Type.Array(Domain) }, { additionalProperties: false }),
    ...errorResponses(ADMIN_ERRORS),
  },
};

export const addDomainSchema = {
  summary: 'Add a custom domain; publish the TXT record of the answer, then verify it',
  tags,
  params: TenantParams,
  body: Type.Object({ domain: Type.String({ maxLength: 253, description: 'a name the tenant owns, e.g. auth.example.com' }) }, { additionalProperties: false }),
  response: {
    201: Domain,
    ...errorResponses({ ...DOMAIN_ERRORS, 409: 'domain_exists, domain_taken (verified by another tenant), too_many_domains or issuer_fixed' }),
  },
};

export const verifyDomainSchema = {
  summary: "Look up the domain's TXT record; verified once it holds the challenge",
  tags,
  params: DomainParams,
  response: {
    200: Domain,
    ...errorResponses({ ...DOMAIN_ERRORS, 409: 'domain_not_verified (the record is missing or holds another value) or domain_taken', 503: 'dns_lookup_failed, tenant_unavailable or temporarily_unavailable' }),
  },
};

export const activateDomainSchema = {
  summary: "Make a verified domain the tenant's issuer; the old issuer keeps its tokens valid for a day",
  tags,
  params: DomainParams,
  response: {
    200: Issuer,
    ...errorResponses({ ...DOMAIN_ERRORS, 409: 'domain_not_verified or issuer_fixed' }),
  },
};

export const removeDomainSchema = {
  summary: 'Remove a custom domain; if it was the issuer, the issuer goes back to the path or subdomain form',
  tags,
  params: DomainParams,
  response: {
    204: Type.Null({ description: 'the domain is gone' }),
    ...errorResponses(DOMAIN_ERRORS),
  },
};
