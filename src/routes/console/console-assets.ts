import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The consoles' static files: the browser modules and stylesheet under `<repo>/console/` (plain
 * ES modules, no build step) and one vendor module, `htm/preact/standalone.module.js` (Preact,
 * its hooks and htm in one file), served as `vendor/preact-htm.js` straight from node_modules:
 * `npm install` is all the set-up there is, and nothing is fetched from a CDN.
 *
 * They are read once, at start, into memory (about 100 KB), and served under a URL naming the
 * build: a digest of every file. That URL can be cached for good (`immutable`): a changed file
 * is a new build, a new URL, and the console's page (never cached without asking) names it. A
 * module's relative imports stay inside its build, so a page never mixes two builds; a node of
 * another build refuses an unknown build with 404 rather than serving its own files under it.
 */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

export interface ConsoleAssets {
  /** Hex digest of every file and its path: the build's name in asset URLs. */
  readonly build: string;
  asset(file: string): ConsoleAsset | undefined;
}

/** The repository's `console/` folder (this file is src/routes/console/console-assets.ts). */
export const CONSOLE_SOURCE_DIR = path.resolve(import.meta.dirname, '../../../console');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Preact + hooks + htm as one ES module; `htm/preact/standalone` resolves to its `.mjs` twin, in the same folder. */
function vendorModule(): string {
  const resolved = fileURLToPath(import.meta.resolve('htm/preact/standalone'));
  return path.join(path.dirname(resolved), 'standalone.module.js');
}

function filesUnder(dir: string, prefix = ''): [string, string][] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry): [string, string][] => {
      const relative = `${prefix}${entry.name}`;
      if (entry.isDirectory()) return filesUnder(path.join(dir, entry.name), `${relative}/`);
      return entry.isFile() && CONTENT_TYPES[path.extname(entry.name)] ? [[relative, path.join(dir, entry.name)]] : [];
    });
}

export function loadConsoleAssets(sourceDir = CONSOLE_SOURCE_DIR): ConsoleAssets {
  const files = new Map<string, ConsoleAsset>();
  const digest = crypto.createHash('sha256');
  for (const [name, file] of [...filesUnder(sourceDir), ['vendor/preact-htm.js', vendorModule()] as [string, string]]) {
    const body = fs.readFileSync(file);
    files.set(name, { body, contentType: CONTENT_TYPES[path.extname(file)]! });
    digest.update(`${name}\0${body.length}\0`).update(body);
  }
  return Object.freeze({
    build: digest.digest('hex').slice(0, 16),
    asset: (file: string) => files.get(file),
  });
}
