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

const nullableStr = z.string().nullable();
const range = z.tuple([z.number(), z.number()]);

const readingOut = z.object({
  id: z.string(),
  date: z.string(),
  index: z.number(),
  type: z.string(),
  status: z.enum(["VALID", "SUSPECT", "REPLACED"]),
  statusAtEntry: z.string(),
  usage: z.number().nullable(),
  expected: z.object({ usage: range, index: range }).nullable(),
  warnings: z.array(z.string()),
  suggestedIndex: z.number().nullable(),
  replaces: nullableStr,
  reason: nullableStr,
  replacedBy: z.object({ reading: z.string(), by: nullableStr, reason: nullableStr }).nullable(),
  confirmation: z.object({ by: z.string(), at: nullableStr, reason: nullableStr }).nullable(),
  recordedAt: z.string(),
  recordedBy: z.string(),
  entity: z.string(),
});

const servicePointOut = z.object({
  id: z.string(),
  address: z.string(),
  owner: nullableStr,
  meter: z
    .object({
      serial: z.string(),
      remoteReading: z.boolean(),
      digits: z.number().nullable(),
      installedOn: nullableStr,
    })
    .nullable(),
  meters: z.array(
    z.object({
      serial: z.string(),
      remoteReading: z.boolean(),
      installedOn: nullableStr,
      removedOn: nullableStr,
    }),
  ),
  termination: z
    .object({ date: z.string(), index: z.number(), source: z.string(), subscription: nullableStr })
    .nullable(),
  currentSubscription: nullableStr,
  readings: z.array(readingOut),
  subscriptions: z.array(
    z.object({
      id: z.string(),
      party: z.object({ id: z.string(), name: z.string(), email: nullableStr }),
      start: z.object({ date: z.string(), index: z.number(), source: z.string() }),
      end: z.object({ date: z.string(), index: z.number() }).nullable(),
      tags: z.array(z.string()),
      case: nullableStr,
      createdAt: z.string(),
      createdBy: z.string(),
      entity: z.string(),
    }),
  ),
  cases: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      status: z.string(),
      entity: z.string(),
      party: z.object({ id: z.string(), name: nullableStr }).nullable(),
      subscription: nullableStr,
      createdAt: z.string(),
      closedAt: nullableStr,
    }),
  ),
});

const searchOut = z.object({
  totals: z.object({ servicePoints: z.number(), people: z.number(), cases: z.number() }),
  offset: z.number(),
  limit: z.number(),
  servicePoints: z.array(
    z.object({
      id: z.string(),
      address: z.string(),
      owner: nullableStr,
      meterSerial: nullableStr,
      occupant: nullableStr,
      state: z.enum(["OCCUPIED", "VACANT"]),
      openCases: z.number(),
    }),
  ),
  people: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      email: nullableStr,
      role: z.string(),
      servicePoint: nullableStr,
    }),
  ),
  cases: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      status: z.string(),
      entity: z.string(),
      servicePoint: z.string(),
      party: nullableStr,
      createdAt: z.string(),
    }),
  ),
});

const caseListOut = z.object({
  total: z.number(),
  items: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      status: z.string(),
      entity: z.string(),
      servicePoint: z.object({ id: z.string(), address: z.string() }),
      party: z.object({ id: z.string(), name: nullableStr }).nullable(),
      subscription: nullableStr,
      nextTask: z.object({ kind: z.string(), due: z.string() }).nullable(),
      waiting: z
        .object({
          what: z.string(),
          team: z.enum(["BO", "EUROS"]),
          since: z.string(),
          due: nullableStr,
          daysLeft: z.number().nullable(),
          overdue: z.boolean(),
        })
        .nullable(),
      createdAt: z.string(),
      createdBy: z.string(),
      closedAt: nullableStr,
    }),
  ),
});

const caseOut = z.looseObject({
  id: z.string(),
  /** The largest document the case accepts (proofs, documents at the counter), for the console's labels. */
  uploadMaxBytes: z.number(),
  type: z.string(),
  status: z.string(),
  entity: z.string(),
  comments: z.array(
    z.object({ id: z.number(), body: z.string(), at: z.string(), author: z.string(), entity: z.string() }),
  ),
  tasks: z.array(z.looseObject({ id: z.string(), kind: z.string(), due: z.string(), status: z.string() })),
  proofs: z.array(z.looseObject({ id: z.string(), kind: z.string(), status: z.string() })),
  interventions: z.array(z.looseObject({ id: z.string(), kind: z.string(), status: z.string() })),
  communications: z.array(
    z.looseObject({ id: z.string(), template: z.string(), channel: z.string(), status: z.string() }),
  ),
});

const moveInCheckOut = z.looseObject({
  path: z.enum([
    "SUBSCRIBE_DECLARED",
    "SUBSCRIBE_PREDECESSOR",
    "CASE_AWAIT_PROOF",
    "CASE_AWAIT_VISIT",
    "CASE_NO_PROOF_BO",
  ]),
  subscribesNow: z.boolean(),
  opensCase: z.enum(["ARR_SPECIAL", "ARR_INTERVENTION"]).nullable(),
  proofDueDate: nullableStr,
  toleranceM3: z.number(),
  gap: z.object({ value: z.number(), direction: z.string(), withinTolerance: z.boolean() }).nullable(),
  warnings: z.array(z.string()),
  tellCustomer: z.array(z.string()),
});

const datedIndex = z.object({ date: z.string(), index: z.number() });

const proofCheckOut = z.object({
  path: z.enum(["SUBSCRIBE", "COMPLEMENT", "REFUSED", "LATE"]),
  kind: z.string(),
  date: z.string(),
  index: z.number().nullable(),
  document: z.object({ id: z.string(), kind: z.string(), receivedOn: z.string() }).nullable(),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
  start: z.object({ date: z.string(), index: z.number(), source: z.string() }).nullable(),
  prescribed: nullableStr,
  reading: datedIndex.nullable(),
  termination: z.object({ date: z.string(), index: z.number().nullable() }),
  gap: z
    .object({
      indexAtProof: z.number(),
      indexSource: z.enum(["PROOF", "REMOTE"]),
      value: z.number(),
      finding: z.enum(["INTERMEDIATE", "PREDECESSOR_OVERBILLED", "NONE"]),
    })
    .nullable(),
  intermediateConsumption: z.boolean(),
  opensEurosCase: z.object({ lateProof: z.boolean(), predecessorOverbilled: z.boolean() }),
  closesCase: z.boolean(),
  toleranceM3: z.number(),
  prescriptionYears: z.number(),
  maxUploadBytes: z.number(),
  tone: z.enum(["ok", "warn", "bad", "info"]),
  lines: z.array(z.string()),
});

const readingCheckOut = z.object({
  index: z.number(),
  status: z.enum(["VALID", "SUSPECT"]),
  warnings: z.array(z.string()),
  usage: z.number().nullable(),
  expected: z.object({ usage: range, index: range }).nullable(),
  suggestedIndex: z.number().nullable(),
});

const listOut = z.object({ total: z.number(), items: z.array(z.looseObject({ id: z.string() })) });

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
          "What a move-in would do, without writing anything (one SELECT statement, which also reads a bearer token's account).",
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
    async (req) => ({ ...(await caseDetail(deps.db, req.params.id)), uploadMaxBytes: MAX_UPLOAD_BYTES }),
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
        response: { 200: listOut, ...errors },
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
        response: { 200: listOut, ...errors },
      },
    },
    async (req) => listOutbox(deps.db, req.query),
  );
}
