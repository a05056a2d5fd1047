/**
 * Baseline for the login benchmark: the bare oidc-provider, with its in-memory
 * adapter and users in a Map, but the same login step as Tansu — the same login page, CSRF token,
 * argon2id verify (same parameters, same one-hash-per-core limit) and first-party grant without a
 * consent page. What it leaves out is what Tansu adds: tenants, PostgreSQL, throttling, audit.
 * Users are `user<i>@bench.test` with BENCH_PASSWORD, BENCH_USERS of them. BENCH_WORKERS
 * node:cluster workers (one process by default), each on a port of its own, since a login's state
 * lives in one worker's memory: the load generator keeps each browser to one of them
 * (support/bare-workers.ts). Prints `listening <port>[,<port>…]`.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import os from 'node:os';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { hashPassword, limitPasswordHashing, verifyPassword } from '../../src/crypto/passwords.ts';
import { BARE_WORKERS, serveBare } from './support/bare-workers.ts';
import { loginPage } from '../../src/oidc/pages/login.ts';
import { PASSWORD_AUTHENTICATION } from '../../src/oidc/sign-in.ts';
import { csrfTokenFor, csrfTokenValid } from '../../src/routes/interactions/csrf.ts';

interface Shared {
  users: [string, { id: string; hash: string }][];
  jwk: JWK;
  csrfKey: string;
  cookieKey: string;
}

/** Made once (in the primary when there are workers): every worker knows the same users and keys. */
async function makeShared(): Promise<Shared> {
  const users: Shared['users'] = [];
  for (let i = 0; i < Number(process.env.BENCH_USERS ?? 32); i++) {
    users.push([`user${i}@bench.test`, { id: crypto.randomUUID(), hash: await hashPassword(process.env.BENCH_PASSWORD ?? '') }]);
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  return { users, jwk, csrfKey: crypto.randomBytes(32).toString('base64url'), cookieKey: crypto.randomBytes(32).toString('base64url') };
}

async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
  await grant.save();
  return grant;
}

// Each worker hashes its share of the cores at once, as Tansu's workers do (main.ts).
limitPasswordHashing(Math.max(1, Math.floor(os.availableParallelism() / BARE_WORKERS)));

// Own ports: a login's state is in one worker's memory, so each browser keeps to one worker.
await serveBare('own-port', makeShared, async (shared, port) => {
  const users = new Map(shared.users);
  const emails = new Map([...users].map(([email, user]) => [user.id, email]));
  const { jwk, csrfKey } = shared;
  const configuration: Configuration = {
    clients: [
      {
        client_id: 'bench-web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [process.env.BENCH_REDIRECT_URI ?? 'http://127.0.0.1:9/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    cookies: { keys: [shared.cookieKey] },
    pkce: { required: () => true },
    loadExistingGrant,
    findAccount: (_ctx, sub) => {
      const email = emails.get(sub);
      return email ? { accountId: sub, claims: () => ({ sub, email, email_verified: true }) } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
  };
  const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
  const callback = provider.callback();

  function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
    return new Promise((resolve, reject) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.once('end', () => resolve(new URLSearchParams(body)));
      req.once('error', reject);
    });
  }

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid || details.prompt.name !== 'login') throw new Error(`unexpected interaction ${details.prompt.name}`);
    if (!action && req.method === 'GET') {
      const html = loginPage({
        tenantName: 'bare',
        clientName: 'bench web',
        action: `/interaction/${uid}/login`,
        abortAction: `/interaction/${uid}/abort`,
        csrfToken: csrfTokenFor(csrfKey, uid),
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      return;
    }
    const form = await readForm(req);
    if (action !== 'login' || !csrfTokenValid(csrfKey, uid, form.get('csrf'))) throw new Error('bad form');
    const user = users.get((form.get('email') ?? '').trim().toLowerCase());
    if (!user || !(await verifyPassword(user.hash, form.get('password') ?? ''))) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('wrong password');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.id, amr: [...PASSWORD_AUTHENTICATION.amr] } }, { mergeWithLastSubmission: false });
  }

  return (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(req.url ?? '');
    if (!match) return callback(req, res);
    interaction(req, res, match[1]!, match[2]).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(error.message);
    });
  };
});
