# tessera serve in a container. Untested here (no container runtime on the development
# machines): the files are linted by packages/cli/src/container-files.test.ts. See the README.
#
# Run with a read-only root filesystem and the data on a volume:
#   docker build -t tessera .
#   docker run --read-only --tmpfs /tmp -v tessera-data:/data -p 4000:4000 tessera

# Build stage: install with the lockfile, compile, drop the development dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY scripts ./scripts
COPY tsconfig.base.json tsconfig.json ./
RUN npm ci && npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no sources beyond what runs, a non-root user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    TESSERA_HOST=0.0.0.0 \
    TESSERA_PORT=4000 \
    TESSERA_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000 9464
# Liveness only; orchestrators should route traffic by GET /readyz.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (/readyz 503), stops accepting, finishes requests in flight, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/cli/dist/bin.js"]
CMD ["serve"]
