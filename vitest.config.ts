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
    // Node 24 strips the types itself, so Vite's module runner has nothing to add: without it no
    // file is transformed (~8 s of CPU per three files here). Interleaved A/B on a quiet 2-core
    // machine: the same wall time (22 s for three files either way), import 14–15 s instead of
    // 17–18 s; the first, larger gain seen under load was mostly noise. vi.mock still works.
    experimental: { viteModuleRunner: false },
  },
});
