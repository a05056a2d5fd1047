import type Provider from 'oidc-provider';

type ClientLike = { grantTypeAllowed(type: string): boolean };

/**
 * oidc-provider answers a token request for a grant the client is not registered for with
 * `invalid_request`, before the grant's handler runs. Our own opt-in grants (password-grant.ts,
 * token-exchange.ts) answer RFC 6749 §5.2's `unauthorized_client` themselves: this lets such a
 * request through to the handler, which checks the client's grant types first thing.
 */
export function letHandlerRefuseClientsWithout(provider: Provider, grantType: string): void {
  const Client = provider.Client as unknown as { prototype: ClientLike };
  const allowed = Client.prototype.grantTypeAllowed;
  Client.prototype.grantTypeAllowed = function grantTypeAllowed(this: ClientLike, type: string) {
    return type === grantType || allowed.call(this, type);
  };
}
