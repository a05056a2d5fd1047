import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 3,
    // Sized for a small shared machine 10× slower than a quiet one (CI is 2 cores beside other
    // work): a test that spawns several `tansu` processes or starts a server can take minutes there.
    // Waits inside tests poll for their condition (test/support/eventually.ts) instead of sleeping.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: ['default'],
    experimental: { viteModuleRunner: false },
  },
});
