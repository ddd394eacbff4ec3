/** Commands: one thin route per verb, all through `execute()` (role check, input, transaction, idempotency). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { OUTBOX_RETRY_ROLES } from "../../accounts/access.js";
import { retryCommunication } from "../../communications/outbox.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import { COMMANDS, type CommandResult, type CommandVerb, execute } from "../../registry.js";
import type { AppDeps } from "../app.js";
import { contextOf } from "../auth.js";
import { body as errorBodyOf } from "../errors.js";
import { commandOut, errors, idParam, proofRefusedOut } from "../schemas.js";
import { acceptDocument } from "../uploads.js";
import { readingsRoute } from "./integration.js";

/** Longest Idempotency-Key accepted. */
export const MAX_IDEMPOTENCY_KEY = 200;

/** Where each command lives: path (":id" fills the input field `param`). */
export const COMMAND_ROUTES: ReadonlyArray<{ verb: CommandVerb; url: string; param?: string }> = [
  { verb: "moveIn", url: "/move-ins" },
  { verb: "moveOut", url: "/subscriptions/:id/move-out", param: "subscription" },
  { verb: "declareNoProof", url: "/cases/:id/no-proof", param: "case" },
  { verb: "requestProof", url: "/cases/:id/proof-requests", param: "case" },
  { verb: "receiveProof", url: "/cases/:id/proofs", param: "case" },
  { verb: "interventionReport", url: "/cases/:id/intervention-report", param: "case" },
  { verb: "closeRegularization", url: "/cases/:id/close-regularization", param: "case" },
  { verb: "addComment", url: "/cases/:id/comments", param: "case" },
  { verb: "recordReading", url: "/service-points/:id/readings", param: "servicePoint" },
  { verb: "correctReading", url: "/readings/:id/corrections", param: "reading" },
  { verb: "confirmReading", url: "/readings/:id/confirmations", param: "reading" },
  { verb: "contest", url: "/subscriptions/:id/contests", param: "subscription" },
  { verb: "answerContest", url: "/contests/:id/answer", param: "contest" },
  { verb: "contestPersists", url: "/contests/:id/persists", param: "contest" },
];

const idempotencyHeaders = z.looseObject({
  "idempotency-key": z.string().min(1).max(MAX_IDEMPOTENCY_KEY).optional(),
});

/** The client's key, namespaced by account so that two accounts never collide. */
const keyOf = (req: FastifyRequest) => {
  const k = req.headers["idempotency-key"];
  return typeof k === "string" && k && req.account ? `${req.account.username}:${k}` : undefined;
};

/** 200 with the result; a proof kept but refused answers 422 with the error and the proof's id. */
function sendResult(reply: FastifyReply, r: CommandResult) {
  const { refusal, ...rest } = r;
  if (refusal) {
    return reply.code(422).send({
      ...errorBodyOf(refusal),
      outcome: "PROOF_REFUSED" as const,
      proof: r.proof ?? null,
      case: r.case ?? null,
    });
  }
  return reply.code(200).send(rest);
}

/** Reads a multipart proof: its fields and at most one file, checked by its first bytes. */
async function proofFromMultipart(req: FastifyRequest): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  for await (const part of req.parts()) {
    if (part.type === "file") {
      if (part.fieldname !== "file") {
        throw new EcartError(
          ErrorCode.INVALID_INPUT,
          "Le document doit être envoyé dans le champ « file ».",
          `unexpected file field ${part.fieldname}`,
          part.fieldname,
        );
      }
      const bytes = await part.toBuffer();
      input.file = acceptDocument(part.filename, part.mimetype, bytes);
    } else {
      const v = typeof part.value === "string" ? part.value.trim() : part.value;
      if (v === "") continue;
      input[part.fieldname] =
        part.fieldname === "prescriptionInvoked" ? v === "true" || v === "1" || v === "on" : v;
    }
  }
  return input;
}

export async function commandRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const run = (req: FastifyRequest, verb: CommandVerb, input: unknown) =>
    execute(deps.db, contextOf(req, deps.config, deps.clock), verb, input, { idempotencyKey: keyOf(req) });
  const responses = { 200: commandOut, ...errors };

  for (const route of COMMAND_ROUTES) {
    const full = COMMANDS[route.verb].input as unknown as z.ZodObject;
    const bodySchema = route.param ? full.omit({ [route.param]: true } as never) : full;
    const hasBody = Object.keys((bodySchema as z.ZodObject).shape).length > 0;
    const config = { access: { kind: "command" as const, verb: route.verb } };
    if (route.verb === "recordReading") {
      // The same path takes the billing system's REMOTE readings (integration.ts).
      readingsRoute(app, deps, (req, input) => run(req, route.verb, input), sendResult);
      continue;
    }
    if (route.verb === "receiveProof") {
      // JSON, or multipart with the same fields and the document in `file` (no body schema: both are read here).
      api.post(
        route.url,
        {
          config,
          schema: {
            tags: ["commands"],
            description:
              "JSON body, or multipart/form-data with the same fields and the document in `file` (PDF, JPEG, PNG, ≤ 10 MB).",
            params: idParam,
            headers: idempotencyHeaders,
            response: { ...responses, 422: proofRefusedOut },
          },
        },
        async (req, reply) => {
          const fields = req.isMultipart()
            ? await proofFromMultipart(req)
            : { ...((req.body as Record<string, unknown>) ?? {}) };
          // Only an uploaded file carries a document: JSON cannot claim one.
          if (!req.isMultipart()) delete fields.file;
          return sendResult(reply, await run(req, route.verb, { ...fields, case: req.params.id }));
        },
      );
      continue;
    }
    api.post(
      route.url,
      {
        config,
        schema: {
          tags: ["commands"],
          ...(route.param ? { params: idParam } : {}),
          ...(hasBody ? { body: bodySchema } : {}),
          headers: idempotencyHeaders,
          response: responses,
        },
      },
      async (req, reply) => {
        const bodyIn = (req.body ?? {}) as Record<string, unknown>;
        const input = route.param ? { ...bodyIn, [route.param]: (req.params as { id: string }).id } : bodyIn;
        return sendResult(reply, await run(req, route.verb, input));
      },
    );
  }

  // The same commands with their scenario-style bodies, for other systems (bearer tokens).
  for (const verb of Object.keys(COMMANDS) as CommandVerb[]) {
    api.post(
      `/commands/${verb}`,
      {
        config: { access: { kind: "command", verb } },
        schema: {
          tags: ["commands"],
          body: COMMANDS[verb].input as unknown as z.ZodObject,
          headers: idempotencyHeaders,
          response: { ...responses, 422: z.union([proofRefusedOut, errors[422]]) },
        },
      },
      async (req, reply) => {
        const { file: _ignored, ...input } = (req.body ?? {}) as Record<string, unknown>;
        return sendResult(reply, await run(req, verb, input));
      },
    );
  }

  api.post(
    "/outbox/:id/retry",
    {
      config: { access: { kind: "roles", roles: OUTBOX_RETRY_ROLES } },
      schema: {
        tags: ["outbox"],
        params: idParam,
        response: { 200: z.object({ id: z.string(), status: z.string() }), ...errors },
      },
    },
    async (req) => {
      const ctx = contextOf(req, deps.config, deps.clock);
      return deps.db.kysely.transaction().execute((trx) => retryCommunication(trx, ctx, req.params.id));
    },
  );
}
