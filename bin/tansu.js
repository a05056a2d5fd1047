#!/usr/bin/env node
// The `tansu` command. Node 24 runs the TypeScript sources directly (type stripping); an older
// `node` first on PATH hands over to the Node 24 that `npm install` put into node_modules.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.features.typescript) {
  await import('../src/cli/main.ts');
} else {
  const self = fileURLToPath(import.meta.url);
  const node = path.resolve(path.dirname(self), '../node_modules/.bin/node');
  const result = spawnSync(node, [self, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.error) {
    process.stderr.write(`tansu: needs Node 24 (run npm install first): ${result.error.message}\n`);
    process.exit(1);
  }
  process.exit(result.status ?? 1);
}
