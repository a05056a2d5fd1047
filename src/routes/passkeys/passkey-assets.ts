import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { issuerPath } from '../../platform/issuer.ts';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import { TenantParams, pageOrError } from '../schemas.ts';

/**
 * The passkey script of the hosted pages (oidc/pages/passkey-parts.ts): `passkeys.js` from the
 * repository's `passkeys/` folder, and @simplewebauthn/browser's ES modules from node_modules as
 * `vendor/simplewebauthn/…` (its relative imports stay inside that folder). No build step and no
 * CDN, as for the console (routes/console/console-assets.ts). Read once, into memory (under
 * 100 KB), and served under a URL naming the build, a digest of every file, so it is cached for
 * good and a new build is a new URL.
 *
 * Served under each tenant's own path, `<tenant path>/passkey-assets/<build>/…`: the pages run
 * on the tenant's issuer host, where the policy allows scripts of that origin only, and on a
 * tenant's own host this is routed like every other path of it.
 */
const SOURCE_DIR = path.resolve(import.meta.dirname, '../../../passkeys');
const ENTRY = 'passkeys.js';

interface Asset {
  body: Buffer;
}

interface PasskeyAssets {
  build: string;
  files: Map<string, Asset>;
}

function jsFilesUnder(dir: string, prefix = ''): [string, string][] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry): [string, string][] => {
      const relative = `${prefix}${entry.name}`;
      if (entry.isDirectory()) return jsFilesUnder(path.join(dir, entry.name), `${relative}/`);
      return entry.isFile() && entry.name.endsWith('.js') ? [[relative, path.join(dir, entry.name)]] : [];
    });
}

/** @simplewebauthn/browser's `esm/` folder: its package's `import` entry is `esm/index.js`. */
function browserLibraryDir(): string {
  return path.dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')));
}

let loaded: PasskeyAssets | undefined;

function assets(): PasskeyAssets {
  if (loaded) return loaded;
  const files = new Map<string, Asset>();
  const digest = crypto.createHash('sha256');
  const sources = [...jsFilesUnder(SOURCE_DIR), ...jsFilesUnder(browserLibraryDir(), 'vendor/simplewebauthn/')];
  for (const [name, file] of sources) {
    const body = fs.readFileSync(file);
    files.set(name, { body });
    digest.update(`${name}\0${body.length}\0`).update(body);
  }
  loaded = { build: digest.digest('hex').slice(0, 16), files };
  return loaded;
}

/** The script's path for a tenant's pages, under its issuer (never `new URL(issuer).pathname`). */
export function passkeyScriptSrc(issuer: string): string {
  return `${issuerPath(issuer)}/passkey-assets/${assets().build}/${ENTRY}`;
}

const assetSchema = {
  hide: true,
  params: Type.Object({ ...TenantParams.properties, build: Type.String({ maxLength: 64, description: 'the build (passkey-assets.ts)' }) }),
  response: {
    200: { description: 'a module of the passkey script', content: { 'text/javascript': { schema: Type.String() } } },
    404: pageOrError('not_found: no such file in this build, or tenant_not_found'),
  },
};

export function passkeyAssetRoutes(app: FastifyInstance, scope: FastifyInstance): void {
  scope.get('/t/:tenant/passkey-assets/:build/*', { schema: assetSchema }, async (request, reply) => {
    await resolveTenant(app, request, reply);
    const { build, '*': file } = request.params as { build: string; '*': string };
    const { build: current, files } = assets();
    const asset = build === current ? files.get(file) : undefined;
    if (!asset) throw new AppError('not_found', `no passkey script ${file} in build ${build}`, 404);
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(asset.body);
  });
}
