# BoxFlow image: one image, two processes. The command picks the role:
#   docker run … boxflow node dist/web/server.js      # web app and API (npm run web)
#   docker run … boxflow node dist/worker/main.js     # worker (npm run worker), scale it out
#   docker run … boxflow node dist/scripts/migrate.js # migrations, once per release
# Configured by environment only (README "Settings"; docs/operations.md). deploy/compose.yaml is
# the documented production layout.

# --- build: all dependencies, compile, bundle the workflow code once --------------------------
FROM node:20-bookworm-slim AS build
# sqlite3 falls back to compiling itself when its prebuilt binary cannot be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node node_modules/typescript/bin/tsc -p tsconfig.json \
 && node deploy/bundle-workflows.cjs dist/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund

# --- run: compiled output, production dependencies, views, static files, training content ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    BOXFLOW_DATA_DIR=/app/data \
    BOXFLOW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    PORT=3000
WORKDIR /app
# Shipping labels embed a CJK font (adapters/documents/shipping-label.ts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/views ./web/views
COPY --from=build /app/web/public ./web/public
COPY --from=build /app/training/modules ./training/modules
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Workers and the web app shut down gracefully on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
CMD ["node", "dist/web/server.js"]
