import { Type } from 'typebox';
import { HtmlPage, pageOrError } from '../schemas.ts';
import { FINISHED, FORM, InteractionParams, REFUSED, form } from './interaction.schemas.ts';

/** The contracts of the upstream sign-in steps inside an interaction (upstream.routes.ts). */

const page = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

const UPSTREAM_REFUSED = {
  ...REFUSED,
  403: pageOrError('the form did not come with this interaction (CSRF), the tenant is suspended, or the connection is turned off'),
  404: pageOrError('tenant_not_found, or no such connection (a page)'),
  502: page('the provider cannot be reached or did not describe itself correctly'),
};

export const connectionStartSchema = {
  consumes: FORM,
  params: Type.Object({ ...InteractionParams.properties, connection: Type.String({ description: "the connection's name" }) }),
  body: form({}),
  response: { 303: page('to the provider, with state, nonce and PKCE'), ...UPSTREAM_REFUSED },
};

const TripParams = Type.Object({ ...InteractionParams.properties, trip: Type.String({ description: 'the trip the callback sent the browser back with' }) });

export const upstreamReturnSchema = {
  params: TripParams,
  response: {
    200: page('the local account exists: its password links the two (a form)'),
    ...FINISHED,
    ...UPSTREAM_REFUSED,
  },
};

export const upstreamLinkSchema = {
  consumes: FORM,
  params: TripParams,
  body: form({ password: Type.Optional(Type.String()) }),
  response: {
    ...FINISHED,
    ...UPSTREAM_REFUSED,
    401: page('the password is not correct: the form again'),
    429: page('too many attempts: the form again, with Retry-After'),
  },
};
