# One image for both apps and the migrations (docker-compose.yml and infra/ pick the command).
#   build:   npm ci, nest build api + worker, then drop the dev dependencies
#   runtime: node:22-slim (the supported LTS) with Debian's ffmpeg (the thumbnail handler runs it), the RDS CA
#            bundle (infra/ connects with sslmode=verify-full), and an entry point that builds
#            DATABASE_URL from DB_* variables when it is not set (scripts/docker-entrypoint.sh)

FROM node:22-slim AS build
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/apps ./dist/apps
COPY --from=build /app/scripts/docker-entrypoint.sh /app/scripts/migrate.cjs ./scripts/
ADD https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /app/certs/rds-global-bundle.pem
RUN chmod 0644 /app/certs/rds-global-bundle.pem
USER node
EXPOSE 3000 3001
# nest build keeps the repository layout under dist/apps/<app>/ (apps and libs side by side).
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["node", "--enable-source-maps", "dist/apps/api/apps/api/src/main.js"]
