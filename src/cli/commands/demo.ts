import { stringOption, type CommandSpec } from '../command.ts';
import { parseTenantId } from '../../platform/tenant-id.ts';
import type { Demo } from '../../provisioning/demo.ts';

const DEFAULT_TENANT = 'demo';

function describeDemo(demo: Demo): string {
  const state = (part: { created: boolean }) => (part.created ? 'created' : 'exists');
  const secret = demo.backend.clientSecret ?? '<client_secret>';
  const lines = [
    `demo tenant ${demo.tenant.id}: ${state(demo.tenant)}`,
    `  issuer         ${demo.tenant.issuer}`,
    `  API            ${demo.api.identifier} (scopes ${demo.api.scopes.join(', ')}; ${state(demo.api)})`,
    `  backend client ${demo.backend.clientId} (confidential, client credentials; ${state(demo.backend)})`,
    demo.backend.clientSecret
      ? `  client_secret  ${demo.backend.clientSecret}   (shown once; only its SHA-256 is stored)`
      : '  client_secret  shown when it was created; for a new one: tansu client delete, then tansu demo again',
    `  web client     ${demo.web.clientId} (public, first-party, redirect ${demo.web.redirectUri}; ${state(demo.web)})`,
    `  user           ${demo.user.email} (role editor; ${state(demo.user)})`,
    demo.user.password ? `  password       ${demo.user.password}   (shown once)` : '  password       shown when the user was created',
    '',
    'Sign in as the user (prints the login URL to open, then the ID token claims):',
    `  npx node examples/login.ts ${demo.tenant.issuer} ${demo.web.clientId}`,
    '',
    'A machine token for the API (client credentials):',
    `  curl -s -u '${demo.backend.clientId}:${secret}' -d grant_type=client_credentials \\`,
    `    -d resource=${demo.api.identifier} -d scope=${demo.api.scopes[0]} ${demo.tenant.issuer}/token`,
  ];
  return lines.join('\n');
}

/** What `tansu demo --json` prints: snake_case, as every JSON output; secrets only when just created. */
export type DemoView = ReturnType<typeof demoView>;

function demoView(demo: Demo) {
  const { backend, web } = demo;
  return {
    tenant: demo.tenant,
    api: demo.api,
    backend: { created: backend.created, client_id: backend.clientId, ...(backend.clientSecret === undefined ? {} : { client_secret: backend.clientSecret }) },
    web: { created: web.created, client_id: web.clientId, redirect_uri: web.redirectUri },
    user: demo.user,
  };
}

export const demoCommand: CommandSpec = {
  path: ['demo'],
  summary: 'Set up a demo tenant with an API, a backend and a web client and a user; prints how to sign in and get a token (safe to run again)',
  options: [{ name: 'tenant', description: `tenant id (default ${DEFAULT_TENANT})` }],
  validate({ options }) {
    parseTenantId(stringOption(options, 'tenant') ?? DEFAULT_TENANT);
  },
  async run({ platform, options }) {
    const { setUpDemo } = await import('../../provisioning/demo.ts');
    const demo = await setUpDemo(platform, stringOption(options, 'tenant') ?? DEFAULT_TENANT);
    return { data: demoView(demo), text: describeDemo(demo) };
  },
};
