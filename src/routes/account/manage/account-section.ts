import type { FastifyInstance } from 'fastify';
import type { AccountNavLink } from '../../../oidc/pages/account-frame.ts';

/**
 * The account page is a list of sections (manage.routes.ts), each one file that registers its
 * routes under `/t/<id>/account/<path>` and renders through the shared frame (signed-in.ts). A
 * new section (two-factor authentication, say) is one more such file and one more entry in
 * that list, which is also what puts its link into every section's navigation.
 */
export interface AccountSection extends AccountNavLink {
  register(scope: FastifyInstance, site: AccountSite): void;
}

/** What every section's routes share: the app (for tenants and in-process calls) and the navigation. */
export interface AccountSite {
  app: FastifyInstance;
  nav: readonly AccountNavLink[];
}
