# Écart in a container (docs/operations.md): `docker build -t ecart .`, or `docker compose up` with
# compose.yaml (PostgreSQL and an SMTP catcher beside it).

# 1. Build: every dependency, the console (web/dist), then the development ones dropped.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web && npm prune --omit=dev --no-audit --no-fund

# 2. Run: the sources (run by tsx), the production dependencies and the built console; not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    ECART_DATA=/data \
    ECART_DEMO_ACCOUNTS=0 \
    ECART_WEB_BUILT=1
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/src ./src
COPY --from=build /app/web/dist ./web/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# Ready: the database answers and has every migration (GET /api/ready, 503 otherwise).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: requests, the sweep and the delivery in flight finish, the database closes, exit 0 within 10 s.
STOPSIGNAL SIGTERM
CMD ["npm", "start"]
