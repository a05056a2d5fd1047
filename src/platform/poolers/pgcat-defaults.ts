/** PgCat settings `tansu pgcat-config` uses unless told otherwise (apart so `tansu --help` can say them cheaply). */
export const DEFAULT_PGCAT_OPTIONS = { port: 6432, adminUsername: 'pgcat', tenantPoolSize: 5, platformPoolSize: 20 } as const;
