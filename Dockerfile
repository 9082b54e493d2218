# One image for both apps (docker-compose.yml picks the entry point per service).
#   build:   npm ci, nest build api + worker, then drop the dev dependencies
#   runtime: node:20-slim with Debian's ffmpeg (the thumbnail handler runs it)

FROM node:20-slim AS build
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/apps ./dist/apps
USER node
EXPOSE 3000 3001
# nest build keeps the repository layout under dist/apps/<app>/ (apps and libs side by side).
CMD ["node", "--enable-source-maps", "dist/apps/api/apps/api/src/main.js"]
