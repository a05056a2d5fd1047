import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { DEVICE_CODE_GRANT } from '../modules/clients/client-profile.ts';
import { recordDevicePoll } from './adapter.ts';
import { deviceCodePage, deviceConfirmPage, deviceConnectedPage } from './pages/device.ts';

/**
 * The device authorization grant (RFC 8628) for every tenant: a TV or a command-line tool asks
 * `/t/<id>/device/auth` for a device code and a user code, shows the code and the address
 * `/t/<id>/device`, and polls the token endpoint while the person enters the code in a browser,
 * signs in through the usual login (and consent) interaction and confirms. oidc-provider runs the
 * flow; what is ours: the pages, the user code's form and lifetime, and the pace of the polling.
 * A client takes part only with the grant in its grant types (oidc-provider checks it at both
 * endpoints; modules/clients/client-rules.ts allows it to public and confidential clients).
 */

/** RFC 8628 §3.2's `interval`: the least seconds between two polls (also the RFC's default). */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

/**
 * Eight letters from oidc-provider's base-20 alphabet (no vowels, so no words; no letters that
 * look alike): about 34 bits, as RFC 8628 §6.1 suggests for a code that lives ten minutes and
 * is typed on a page that asks for a browser session.
 */
const USER_CODE = { charset: 'base-20', mask: '****-****' } as const;

type DeviceFlowFeature = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

/** What the person reads for each of oidc-provider's reasons to show the code form again. */
function codeFormMessage(error: Error | undefined, out: { error: string; error_description?: string } | undefined): { error?: string; notice?: string } {
  switch (error?.name) {
    case undefined:
      return {};
    case 'NoCodeError':
      return { error: 'Enter the code your device shows.' };
    case 'NotFoundError':
      return { error: 'That code is not correct. Check the code on your device and try again.' };
    case 'ExpiredError':
      return { error: 'That code has expired. Start again on your device to get a new one.' };
    case 'AlreadyUsedError':
      return { error: 'That code has already been used. Start again on your device to get a new one.' };
    case 'AbortedError':
      return { notice: 'Cancelled: the device was not connected.' };
    default:
      // Above all the form's xsrf, when the session it was bound to has ended.
      return { error: out?.error === 'invalid_request' ? 'The form expired. Enter the code again.' : 'This request cannot be completed. Start again on your device.' };
  }
}

function sendHtml(ctx: KoaContextWithOIDC, html: string): void {
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = html;
}

/**
 * The pages (oidc/pages/device.ts). oidc-provider hands each one its own form markup; ours are
 * built from the same parts (the action, its `xsrf` secret kept in the browser's session, the
 * user code) because its code field has no label and an inline event handler.
 */
export function deviceFlowFeature(tenantName: string): DeviceFlowFeature {
  return {
    enabled: true,
    ...USER_CODE,
    userCodeInputSource: async (ctx, _form, out, error) => {
      const userCode = (error as { userCode?: unknown } | undefined)?.userCode;
      sendHtml(
        ctx,
        deviceCodePage({
          tenantName,
          action: ctx.oidc.urlFor('code_verification'),
          xsrf: String(ctx.oidc.session?.state?.secret ?? ''),
          userCode: typeof userCode === 'string' ? userCode : undefined,
          ...codeFormMessage(error, out),
        }),
      );
    },
    userCodeConfirmSource: async (ctx, _form, client, deviceInfo, userCode) => {
      const { ip, ua } = deviceInfo as { ip?: unknown; ua?: unknown };
      sendHtml(
        ctx,
        deviceConfirmPage({
          tenantName,
          clientName: client.clientName || client.clientId,
          action: ctx.oidc.urlFor('code_verification'),
          xsrf: String(ctx.oidc.session?.state?.secret ?? ''),
          userCode,
          deviceAddress: typeof ip === 'string' ? ip : undefined,
          deviceSoftware: typeof ua === 'string' ? ua.slice(0, 200) : undefined,
        }),
      );
    },
    successSource: async (ctx) => {
      const client = ctx.oidc.client;
      sendHtml(ctx, deviceConnectedPage({ tenantName, clientName: client?.clientName || client?.clientId || 'The device' }));
    },
  };
}

type GrantHandler = Parameters<Provider['registerGrantType']>[1];

/**
 * oidc-provider never answers RFC 8628's `slow_down`: a device may poll as fast as it likes.
 * This runs before its device_code handler: a poll within the interval of the last one for the
 * same device code gets `slow_down` (400), on the database's clock, so every node agrees
 * (adapter.ts recordDevicePoll). The first poll after the person confirmed goes through at once.
 */
export function paceDevicePolls(db: () => TenantDb, handler: GrantHandler): GrantHandler {
  return async (ctx) => {
    const deviceCode = ctx.oidc.params.device_code;
    if (typeof deviceCode === 'string' && deviceCode !== '') {
      if ((await recordDevicePoll(db(), deviceCode, DEVICE_POLL_INTERVAL_SECONDS)) === 'too_fast') {
        throw new errors.SlowDown(`poll at most every ${DEVICE_POLL_INTERVAL_SECONDS} seconds`);
      }
    }
    await handler(ctx);
  };
}

/**
 * What oidc-provider's device authorization endpoint leaves to us: the `interval` in its answer,
 * and RFC 8628 §3.2's error for a client registered without the grant, `unauthorized_client`
 * (RFC 6749 §5.2), where it answers `invalid_request` with this description.
 */
export function completeDeviceAuthorizationAnswers(provider: Provider): void {
  provider.on('device_authorization.success', (_ctx, body) => {
    body.interval = DEVICE_POLL_INTERVAL_SECONDS;
  });
  const notAllowed = `${DEVICE_CODE_GRANT} is not allowed for this client`;
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (ctx.oidc?.route === 'device_authorization' && body?.error === 'invalid_request' && body.error_description === notAllowed) {
      ctx.body = { error: 'unauthorized_client', error_description: 'the device authorization grant is not enabled for this client' };
    }
  });
}
