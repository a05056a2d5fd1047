// Preloaded with `node --import` by test/cli/startup.test.ts: writes every module URL the process
// loads (ESM and CommonJS alike, through the synchronous module hooks) to TANSU_TEST_MODULES_FILE
// when the process exits, to prove which dependencies a command pulls in.
import fs from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => fs.writeFileSync(process.env.TANSU_TEST_MODULES_FILE, [...loaded].join('\n')));
