/**
 * The HTTP API (Fastify 5): thin routes over `execute()` (commands) and read-only views.
 * `buildApp` returns the instance without listening, for `app.inject` in tests and for `ecart serve`.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyMultipart from "@fastify/multipart";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import { jsonSchemaTransform, validatorCompiler } from "fastify-type-provider-zod";
import { type EcartConfig, makeConfig } from "../platform/config.js";
import type { Database } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { DEFAULT_LIMITS, type SecurityLimits } from "./attempts.js";
import { registerAuth, requireLogin, settlePendingBearer } from "./auth.js";
import { replyError } from "./errors.js";
import { docsCsp, registerHardening } from "./hardening.js";
import { createMetrics, installMetrics, type Metrics } from "./metrics.js";
import {
  DEFAULT_TIMEOUTS,
  fastifyTrustProxy,
  type HttpTimeouts,
  type TrustProxy,
  timeoutOptions,
} from "./network.js";
import { installRequestLog } from "./request-log.js";
import { accountRoutes } from "./routes/accounts.js";
import { adminRoutes } from "./routes/admin.js";
import { commandRoutes } from "./routes/commands.js";
import { documentRoutes } from "./routes/documents.js";
import { integrationRoutes } from "./routes/integration.js";
import { readRoutes } from "./routes/reads.js";
import { readyRoutes } from "./routes/ready.js";
import { reportRoutes } from "./routes/reports.js";
import { sessionRoutes } from "./routes/session.js";
import { serializerCompiler } from "./serializer.js";

import { MAX_UPLOAD_BYTES } from "./uploads.js";

export { MAX_UPLOAD_BYTES };
/** Largest JSON body. */
export const MAX_JSON_BYTES = 256 * 1024;

export interface AppOptions {
  db: Database;
  /** A read replica for the reports and their exports (DATABASE_REPLICA_URL); the primary when absent. */
  replica?: Database;
  config?: EcartConfig;
  /** The clock of commands and sessions (tests pass a fixed one). */
  clock?: () => Date;
  /** Fastify logger options, or false (tests). */
  logger?: FastifyServerOptions["logger"];
  /** A logger already made (`ecart serve` logs its own events through the same one); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** The metrics of `/metrics` (`ecart serve` passes its own, which its sweeps report to). */
  metrics?: Metrics;
  /** The bearer token that opens `/metrics` beyond loopback (`ecart serve`: ECART_METRICS_TOKEN). */
  metricsToken?: string | undefined;
  /** Always mark the session cookie Secure (ECART_SECURE_COOKIES=1); otherwise only over https. */
  secureCookies?: boolean;
  /** Login attempts allowed per client address and minute. */
  loginAttemptsPerMinute?: number;
  /** The built console (web/dist) to serve, with SPA fallback; none when absent. */
  webDist?: string | null;
  /** Which reverse proxies' X-Forwarded-* to believe: a hop count or their addresses (ECART_TRUST_PROXY), never all. */
  trustProxy?: TrustProxy;
  /** Attempts counted per account and address (failed logins, password changes); defaults DEFAULT_LIMITS. */
  limits?: Partial<SecurityLimits>;
  /** How long a client may take to send its request (defaults DEFAULT_TIMEOUTS). */
  timeouts?: Partial<HttpTimeouts>;
}

export interface AppDeps {
  db: Database;
  /** What the reports read: the replica when there is one, else `db`. Nothing writes through it. */
  reportsDb: Database;
  config: EcartConfig;
  clock: () => Date;
  secureCookies: boolean;
  loginAttemptsPerMinute: number;
  limits: SecurityLimits;
}

/** Log options for production: no names, emails, addresses, cookies or tokens; URLs without their query. */
export function loggerOptions(level = process.env.LOG_LEVEL ?? "info"): FastifyServerOptions["logger"] {
  return {
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "*.name",
        "*.email",
        "*.address",
        "*.phone",
        "*.password",
        "*.customer",
      ],
      censor: "[redacted]",
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.split("?")[0],
        ip: req.ip,
      }),
    },
  };
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const deps: AppDeps = {
    db: opts.db,
    reportsDb: opts.replica ?? opts.db,
    config: opts.config ?? makeConfig(),
    clock: opts.clock ?? (() => new Date()),
    secureCookies: opts.secureCookies ?? process.env.ECART_SECURE_COOKIES === "1",
    loginAttemptsPerMinute: opts.loginAttemptsPerMinute ?? 10,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
  };
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    // One line per request, with who and what (request-log.ts), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_JSON_BYTES,
    trustProxy: fastifyTrustProxy(opts.trustProxy ?? false),
    ...timeoutOptions({ ...DEFAULT_TIMEOUTS, ...opts.timeouts }),
    // Never reflect a stack or a Fastify default error body: the error handler answers everything.
    return503OnClosing: true,
    // A malformed URL (bad percent-encoding) is refused before routing: answer it in the same coded shape.
    frameworkErrors: (err, req, reply) => replyError(err, req, reply),
  });
  await registerHardening(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(async (err, req, reply) => {
    // A bearer token left pending for its route's statement is refused first, as the auth hook would have.
    if (req.pendingBearer !== null) {
      try {
        await settlePendingBearer(deps.db, req);
      } catch (refusal) {
        return replyError(refusal, req, reply);
      }
    }
    return replyError(err, req, reply);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Écart API",
        description: "Consumption gaps between occupants (see docs/api.md).",
        version: "1.0.0",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "ecart_session" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 4096, parts: 21 },
  });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: () =>
      new EcartError(
        ErrorCode.RATE_LIMITED,
        "Trop de tentatives de connexion : réessayez dans une minute.",
        "login rate limited",
      ),
  });
  registerAuth(app, deps);
  installRequestLog(app);
  installMetrics(app, opts.metrics ?? createMetrics(deps.db), opts.metricsToken);
  // After the auth hook, whose caller `/docs` needs: the API's description is for logged-in callers only
  // (issue 14 #7), by the console's session or a token.
  await app.register(fastifySwaggerUi, {
    routePrefix: "/docs",
    transformStaticCSP: docsCsp,
    uiHooks: { onRequest: requireLogin },
  });

  await app.register(
    async (api) => {
      await sessionRoutes(api, deps);
      await readyRoutes(api, deps);
      await readRoutes(api, deps);
      await commandRoutes(api, deps);
      await documentRoutes(api, deps);
      await reportRoutes(api, deps);
      await adminRoutes(api, deps);
      await accountRoutes(api, deps);
      await integrationRoutes(api, deps);
    },
    { prefix: "/api" },
  );

  const webDist = opts.webDist === undefined ? resolve("web/dist") : opts.webDist;
  const hasWeb = webDist !== null && existsSync(join(webDist, "index.html"));
  if (hasWeb) await app.register(fastifyStatic, { root: webDist as string, wildcard: true });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0] ?? "";
    if (hasWeb && req.method === "GET" && !path.startsWith("/api") && !path.startsWith("/docs")) {
      return reply.type("text/html; charset=utf-8").sendFile("index.html");
    }
    return replyError(
      new EcartError(ErrorCode.NOT_FOUND, "Adresse inconnue.", `no route ${req.method} ${path}`),
      req,
      reply,
    );
  });
  return app;
}
