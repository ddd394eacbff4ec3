/** Reads (every role): search, service point, cases, proofs' files, contests, outbox; the move-in check. */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Account } from "../../accounts/store.js";
import { TEMPLATES } from "../../communications/templates.js";
import { moveInInput } from "../../move-in/commands/move-in.js";
import { receiveProofInput } from "../../move-in/commands/receive-proof.js";
import { today } from "../../platform/context.js";
import { isoDate, rawIndex } from "../../platform/validate.js";
import {
  caseListOut,
  caseOut,
  contestListOut,
  moveInCheckOut,
  outboxOut,
  proofCheckOut,
  readingCheckOut,
  searchOut,
  servicePointOut,
} from "../api-shapes.js";
import type { AppDeps } from "../app.js";
import { admitBearer, contextOf } from "../auth.js";
import { errors, idParam, pageIn } from "../schemas.js";
import { MAX_UPLOAD_BYTES, servedDocument } from "../uploads.js";
import { caseDetail, listCases, proofFile } from "../views/cases.js";
import { listContests, listOutbox, outboxPreview } from "../views/contests-outbox.js";
import { checkMoveIn, checkMoveInForBearer } from "../views/move-in-check.js";
import { checkProof } from "../views/proof-check.js";
import { checkReading } from "../views/reading-check.js";
import { search } from "../views/search.js";
import { servicePointDetail } from "../views/service-points.js";

export async function readRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const read = { access: { kind: "read" as const } };

  api.get(
    "/search",
    {
      config: read,
      schema: {
        tags: ["reads"],
        querystring: z.object({
          q: z.string().trim().min(2).max(100),
          offset: z.coerce.number().int().min(0).max(10_000).optional(),
        }),
        response: { 200: searchOut, ...errors },
      },
    },
    async (req) => search(deps.db, req.query.q, req.query.offset ?? 0),
  );

  api.get(
    "/service-points/:id",
    {
      config: read,
      schema: { tags: ["reads"], params: idParam, response: { 200: servicePointOut, ...errors } },
    },
    async (req) => servicePointDetail(deps.db, req.params.id),
  );

  api.post(
    "/move-ins/check",
    {
      config: { access: { kind: "command", verb: "moveIn" }, accountInStatement: true },
      schema: {
        tags: ["move-ins"],
        description:
          "What a move-in would do, without writing anything (one SELECT statement, which also reads a bearer token's account; a second one reads the termination's readings when they can change the answer).",
        body: moveInInput,
        response: { 200: moveInCheckOut, ...errors },
      },
    },
    async (req) => {
      const token = req.pendingBearer;
      if (token === null) return checkMoveIn(deps.db, contextOf(req, deps.config, deps.clock), req.body);
      const admit = (account: Account | undefined) => {
        admitBearer(req, account);
        return contextOf(req, deps.config, deps.clock);
      };
      return checkMoveInForBearer(deps.db, token, admit, req.body);
    },
  );

  api.post(
    "/service-points/:id/readings/check",
    {
      config: { access: { kind: "command", verb: "recordReading" } },
      schema: {
        tags: ["readings"],
        description:
          "What recording this reading would find (VALID or SUSPECT, expected ranges, the likely index of a slip), without writing anything.",
        params: idParam,
        body: z.object({ date: isoDate, index: rawIndex }),
        response: { 200: readingCheckOut, ...errors },
      },
    },
    async (req) =>
      checkReading(deps.db, contextOf(req, deps.config, deps.clock), {
        servicePoint: req.params.id,
        ...req.body,
      }),
  );

  api.post(
    "/cases/:id/proofs/check",
    {
      config: { access: { kind: "command", verb: "receiveProof" } },
      schema: {
        tags: ["cases"],
        description:
          "What receiveProof would do with this proof (start, its source, R9, an INT_EUROS case, the tolerance), without writing anything.",
        params: idParam,
        body: receiveProofInput.omit({ case: true, file: true }),
        response: { 200: proofCheckOut, ...errors },
      },
    },
    async (req) =>
      checkProof(deps.db, contextOf(req, deps.config, deps.clock), { ...req.body, case: req.params.id }),
  );

  api.get(
    "/cases",
    {
      config: read,
      schema: {
        tags: ["cases"],
        querystring: z.object({
          status: z.enum(["OPEN", "CLOSED"]).optional(),
          type: z.enum(["ARR_SPECIAL", "ARR_INTERVENTION", "INT_EUROS"]).optional(),
          entity: z.string().max(64).optional(),
          servicePoint: z.string().max(100).optional(),
          queue: z.enum(["1", "true", "0", "false"]).optional(),
          team: z.enum(["BO", "EUROS"]).optional(),
          ...pageIn,
        }),
        response: { 200: caseListOut, ...errors },
      },
    },
    async (req) =>
      listCases(
        deps.db,
        { ...req.query, queue: req.query.queue === "1" || req.query.queue === "true" },
        today(contextOf(req, deps.config, deps.clock)),
      ),
  );

  api.get(
    "/cases/:id",
    { config: read, schema: { tags: ["cases"], params: idParam, response: { 200: caseOut, ...errors } } },
    async (req) => ({
      ...(await caseDetail(deps.db, req.params.id, today(contextOf(req, deps.config, deps.clock)))),
      uploadMaxBytes: MAX_UPLOAD_BYTES,
    }),
  );

  api.get(
    "/proofs/:id/file",
    { config: read, schema: { tags: ["cases"], params: idParam } },
    async (req, reply) => {
      const p = await proofFile(deps.db, req.params.id);
      // Never the name or type it was sent with: its type read from its bytes, a name of ours (PRF-….pdf).
      const served = servedDocument(p.id, p.content as Uint8Array);
      return reply
        .type(served.contentType)
        .header("content-disposition", `attachment; filename="${served.fileName}"`)
        .header("x-content-type-options", "nosniff")
        .header("x-checksum-sha256", p.sha256 ?? "")
        .send(Buffer.from(p.content as Uint8Array));
    },
  );

  api.get(
    "/contests",
    {
      config: read,
      schema: {
        tags: ["contests"],
        querystring: z.object({
          status: z.enum(["OPEN", "ANSWERED", "ESCALATED"]).optional(),
          subscription: z.string().max(100).optional(),
          ...pageIn,
        }),
        response: { 200: contestListOut, ...errors },
      },
    },
    async (req) => listContests(deps.db, req.query),
  );

  api.get(
    "/outbox/:id/preview",
    { config: read, schema: { tags: ["outbox"], params: idParam } },
    async (req, reply) => {
      const p = await outboxPreview(deps.db, req.params.id, deps.config.timeZone);
      if (p.kind === "EMAIL") return reply.header("cache-control", "no-store").send(p);
      return reply
        .type("application/pdf")
        .header("content-disposition", `inline; filename="${req.params.id.replace(/[^\w.-]+/g, "_")}.pdf"`)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store")
        .send(p.pdf);
    },
  );

  api.get(
    "/outbox",
    {
      config: read,
      schema: {
        tags: ["outbox"],
        querystring: z.object({
          status: z.enum(["PENDING", "SENDING", "SENT", "FAILED"]).optional(),
          template: z.enum(TEMPLATES).optional(),
          case: z.string().max(100).optional(),
          ...pageIn,
        }),
        response: { 200: outboxOut, ...errors },
      },
    },
    async (req) => listOutbox(deps.db, req.query),
  );
}
