/**
 * One log line per request answered (docs/operations.md): its id, the route's pattern, the status, the
 * time taken, who asked (account id and role, never a name) and the command's verb when it ran one. No
 * path, no query, no body: nothing of the customer's reaches the log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** What the request line says, besides the request's id (`reqId`, which the request's logger already binds). */
export function requestFields(req: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const access = req.routeOptions.config?.access;
  return {
    method: req.method,
    route: req.routeOptions.url ?? "unmatched",
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 10) / 10,
    actor: req.account ? `account:${req.account.id}` : null,
    role: req.account?.role ?? null,
    via: req.authVia,
    verb: access?.kind === "command" ? access.verb : null,
  };
}

/** Logs every request once answered: info, or warn for a 5xx (the error itself is logged where it was answered). */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook("onResponse", async (req, reply) => {
    const fields = requestFields(req, reply);
    if (reply.statusCode >= 500) req.log.warn(fields, "request");
    else req.log.info(fields, "request");
  });
}
