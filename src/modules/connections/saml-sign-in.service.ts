import * as samlify from 'samlify';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { actorText } from '../../platform/tenant-scope.ts';
import { connectionOf, samlAcsUrl, samlMetadataUrl, type Connection } from './connection.ts';
import { findConnectionByName, type ConnectionRow } from './connections.repository.ts';
import { recordAssertionOnce } from './saml-assertions.repository.ts';
import { CLOCK_SKEW_MS, POST_BINDING, samlIdentityProvider, samlServiceProvider } from './saml-entities.ts';
import { samlProfile } from './saml-profile.ts';
import { consumeCallback, insertUpstreamSignIn, recordOutcome } from './upstream-sign-ins.repository.ts';
import { UpstreamRefused } from './upstream-refusal.ts';
import {
  UPSTREAM_SIGN_IN_SECONDS,
  beginUpstreamSignIn,
  connectionActor,
  digest,
  resolveAccount,
  type BeginUpstreamSignIn,
  type CallbackResult,
} from './upstream-sign-in.service.ts';

/**
 * Sign-in through a SAML 2.0 identity provider (SP-initiated, Web Browser SSO profile): an
 * AuthnRequest by HTTP-Redirect, the answer by HTTP-POST to the connection's ACS. A trip is a row
 * of `upstream_sign_ins` like an OpenID Connect one, keyed by a digest of the AuthnRequest's ID:
 * the assertion's InResponseTo must name it, so an unsolicited (IdP-initiated) or foreign answer
 * finds no trip. After the browser comes back, the interaction finishes exactly as for the other
 * connections (routes/interactions/upstream.ts).
 */

/** The login page's button, for any kind of connection: SAML here, the others in upstream-sign-in.service.ts. */
export async function beginConnectionSignIn(scope: TenantScope, input: BeginUpstreamSignIn): Promise<{ url: string; connection: Connection }> {
  const found = await findConnectionByName(scope.db, input.connection);
  if (found?.kind !== 'saml') return beginUpstreamSignIn(scope, input);
  const connection = usableSamlConnection(found, input.connection);
  const sp = samlServiceProvider(scope, found, connection);
  const request = sp.createLoginRequest(samlIdentityProvider(connection), 'redirect') as { id: string; context: string };
  await insertUpstreamSignIn(scope.db, {
    stateHash: digest(request.id),
    providerId: found.id,
    interactionUid: input.interactionUid,
    codeVerifier: null,
    // SAML has no nonce: the assertion's InResponseTo, checked against state_hash, does its work.
    nonce: '',
    lifetimeSeconds: UPSTREAM_SIGN_IN_SECONDS,
  });
  return { url: request.context, connection };
}

function usableSamlConnection(row: ConnectionRow | undefined, name: string): Connection {
  if (!row || row.kind !== 'saml') throw new UpstreamRefused('connection_not_found', 404, `This organisation has no SAML sign-in named "${name.slice(0, 40)}".`);
  if (!row.enabled) throw new UpstreamRefused('connection_disabled', 403, 'Signing in with {provider} is turned off for this organisation.');
  const connection = connectionOf(row);
  if (!connection.saml) throw new UpstreamRefused('upstream_error', 502, '{provider} is not fully set up here (its metadata is missing).');
  return connection;
}

const SIGNATURE_ERRORS = [
  'FAILED_TO_VERIFY_SIGNATURE',
  'ERROR_UNMATCH_CERTIFICATE_DECLARATION_IN_METADATA',
  'NO_SELECTED_CERTIFICATE',
  'ERR_POTENTIAL_WRAPPING_ATTACK',
  'NO_SIGNATURE_REFERENCES',
];

/** samlify's refusals (plain codes, sometimes a bare string) as pages a person can act on. */
function samlifyRefusal(error: unknown): UpstreamRefused {
  const code = String(error instanceof Error ? error.message : error);
  if (SIGNATURE_ERRORS.some((known) => code.includes(known))) {
    return new UpstreamRefused('bad_signature', 400, "{provider}'s answer is not signed by its certificate on record (unsigned, wrongly signed or altered), so it was refused.");
  }
  if (code.includes('ERR_UNMATCH_ISSUER')) return new UpstreamRefused('issuer_mismatch', 400, 'This answer names another identity provider than {provider}, so it was refused.');
  if (code.includes('ERR_SUBJECT_UNCONFIRMED') || code.includes('ERR_EXPIRED_SESSION')) {
    return new UpstreamRefused('expired', 400, "{provider}'s answer is outside its validity period (expired, or not valid yet), so it was refused. Start the sign-in again.");
  }
  if (code.includes('ERR_FAILED_STATUS')) {
    const status = /code: ([^,]+)/.exec(code)?.[1]?.split(':').pop() ?? 'an error';
    return new UpstreamRefused('access_denied', 400, `{provider} did not sign you in (${status.slice(0, 60)}).`);
  }
  return new UpstreamRefused('malformed_response', 400, "{provider}'s answer is not a SAML response this service can read, so it was refused.");
}

const one = (value: unknown): string | undefined => (Array.isArray(value) ? (value.length === 1 ? one(value[0]) : undefined) : typeof value === 'string' ? value : undefined);

interface VerifiedAssertion {
  id: string;
  nameId: string;
  attributes: Record<string, unknown>;
  expiresAt: Date;
  inResponseTo: string;
}

/**
 * What samlify leaves to the service provider, checked on the signed assertion alone (the parts
 * of a response outside the signature could be anyone's): the audience is this SP's entity ID,
 * the bearer confirmation names this ACS as Recipient and answers an AuthnRequest (InResponseTo),
 * and it has an end (NotOnOrAfter), which is also how long its ID stays in the replay cache.
 * A Destination on the response, when there is one, must be this ACS as well.
 */
async function verifiedAssertion(scope: TenantScope, row: ConnectionRow, connection: Connection, samlResponse: string): Promise<VerifiedAssertion> {
  const sp = samlServiceProvider(scope, row, connection);
  const idp = samlIdentityProvider(connection);
  let parsed: Awaited<ReturnType<typeof sp.parseLoginResponse>>;
  try {
    parsed = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: samlResponse } });
  } catch (error) {
    throw samlifyRefusal(error);
  }
  const [verified, assertionXml] = samlify.SamlLib.verifySignature(parsed.samlContent, { metadata: idp.entityMeta });
  if (!verified || !assertionXml) throw samlifyRefusal('FAILED_TO_VERIFY_SIGNATURE');
  const found = samlify.Extractor.extract(assertionXml, [
    { key: 'id', localPath: ['Assertion'], attributes: ['ID'] },
    {
      key: 'confirmation',
      localPath: ['Assertion', 'Subject', 'SubjectConfirmation', 'SubjectConfirmationData'],
      attributes: ['Recipient', 'InResponseTo', 'NotOnOrAfter', 'NotBefore'],
    },
    { key: 'conditions', localPath: ['Assertion', 'Conditions'], attributes: ['NotBefore', 'NotOnOrAfter'] },
  ]) as { id?: unknown; confirmation?: Record<string, unknown>; conditions?: Record<string, unknown> };
  const acs = samlAcsUrl(scope, connection.name);
  const extract = parsed.extract as { audience?: unknown; nameID?: unknown; attributes?: Record<string, unknown>; response?: Record<string, unknown> };

  const audiences = (Array.isArray(extract.audience) ? extract.audience : [extract.audience]).filter((value) => typeof value === 'string');
  if (!audiences.includes(samlMetadataUrl(scope, connection.name))) {
    throw new UpstreamRefused('audience_mismatch', 400, `{provider}'s assertion is meant for another service (its audience is ${String(audiences[0] ?? 'missing').slice(0, 200)}), so it was refused.`);
  }
  const destination = one(extract.response?.destination);
  const recipient = one(found.confirmation?.recipient);
  if ((destination !== undefined && destination !== acs) || recipient !== acs) {
    throw new UpstreamRefused('recipient_mismatch', 400, `{provider}'s answer was addressed to ${String(recipient ?? destination ?? 'nobody').slice(0, 200)}, not to this sign-in's address, so it was refused.`);
  }
  const ends = [one(found.confirmation?.notOnOrAfter), one(found.conditions?.notOnOrAfter)].map((value) => (value === undefined ? NaN : Date.parse(value))).filter((value) => !Number.isNaN(value));
  const notBefore = [one(found.confirmation?.notBefore), one(found.conditions?.notBefore)].map((value) => (value === undefined ? NaN : Date.parse(value))).filter((value) => !Number.isNaN(value));
  const now = Date.now();
  if (ends.length === 0) throw new UpstreamRefused('expired', 400, "{provider}'s assertion has no end to its validity (NotOnOrAfter), so it was refused.");
  if (ends.some((end) => now >= end + CLOCK_SKEW_MS) || notBefore.some((start) => now < start - CLOCK_SKEW_MS)) throw samlifyRefusal('ERR_SUBJECT_UNCONFIRMED');
  const id = one(found.id);
  const nameId = one(extract.nameID)?.trim();
  const inResponseTo = one(found.confirmation?.inResponseTo);
  if (!id || !nameId) throw new UpstreamRefused('malformed_response', 400, "{provider}'s assertion has no ID or no NameID (who signed in), so it was refused.");
  if (!inResponseTo) {
    throw new UpstreamRefused('in_response_to_mismatch', 400, "{provider}'s answer does not answer a sign-in started here (no InResponseTo: sign-ins started at the identity provider are not accepted). Start the sign-in from this site.");
  }
  return { id, nameId: nameId.slice(0, 500), attributes: extract.attributes ?? {}, expiresAt: new Date(Math.max(...ends) + CLOCK_SKEW_MS), inResponseTo };
}

/**
 * A SAML answer at `/t/<id>/connections/<connection>/saml/acs`: verified (samlify: schema,
 * status, signature with the IdP's certificate, issuer, time window; then verifiedAssertion), then,
 * in one transaction, the assertion's ID entered in the replay cache and the trip its InResponseTo
 * names taken, so a replayed assertion and an answer to no (or another) sign-in are both refused.
 * The account is found, linked or created as for any connection (resolveAccount). Every refusal
 * is in the audit log (`connection.saml_refused`, with its reason).
 */
export async function answerSamlResponse(scope: TenantScope, connectionName: string, samlResponse: string | undefined, ip: string): Promise<CallbackResult> {
  const row = await findConnectionByName(scope.db, connectionName);
  const actor = connectionActor(row?.name ?? connectionName.slice(0, 40), ip);
  try {
    const connection = usableSamlConnection(row, connectionName);
    if (typeof samlResponse !== 'string' || samlResponse === '') {
      throw new UpstreamRefused('malformed_response', 400, 'This page expects a SAML response posted by {provider}, and none came.');
    }
    const assertion = await verifiedAssertion(scope, row!, connection, samlResponse);
    const trip = await scope.db.transaction().execute(async (trx) => {
      if (!(await recordAssertionOnce(trx, { providerId: row!.id, assertionId: assertion.id, expiresAt: assertion.expiresAt }))) {
        throw new UpstreamRefused('replayed', 400, "This answer from {provider} was already used (a replayed assertion), so it was refused. Start the sign-in again.");
      }
      const taken = await consumeCallback(trx, digest(assertion.inResponseTo), row!.id);
      if (!taken) {
        throw new UpstreamRefused(
          'in_response_to_mismatch',
          400,
          "{provider}'s answer does not belong to a sign-in waiting here: it answers another request, one already finished, or one that expired. Start the sign-in again.",
        );
      }
      return taken;
    });
    try {
      const profile = samlProfile(connection, assertion.nameId, assertion.attributes);
      const outcome = await resolveAccount(scope, connection, profile, actor);
      await recordOutcome(scope.db, trip.id, outcome);
      return { tripId: trip.id, interactionUid: trip.interaction_uid, connection, outcome };
    } catch (error) {
      if (error instanceof UpstreamRefused) error.interactionUid ??= trip.interaction_uid;
      throw error;
    }
  } catch (error) {
    if (error instanceof UpstreamRefused) {
      error.providerName ??= row?.display_name;
      await auditRefusal(scope, row, error, actor);
    }
    throw error;
  }
}

async function auditRefusal(scope: TenantScope, row: ConnectionRow | undefined, refusal: UpstreamRefused, actor: ReturnType<typeof connectionActor>): Promise<void> {
  await recordAuditEvent(scope.db, {
    actor: actorText(actor),
    ip: actor.ip,
    action: 'connection.saml_refused',
    target: row?.id ?? null,
    details: { connection: row?.name ?? null, reason: refusal.reason },
  });
}
