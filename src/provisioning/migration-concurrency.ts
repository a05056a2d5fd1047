/** Tenant databases `tansu migrate` migrates at once (apart from migrate-fleet.ts so `tansu --help` can say it cheaply). */
export const DEFAULT_MIGRATION_CONCURRENCY = 4;
