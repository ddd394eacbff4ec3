/** R13 Pilotage: JSON pages and CSV exports (SUPERVISOR, ADMIN). */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { isoDate } from "../../platform/validate.js";
import {
  CASES_BY_ENTITY_COLUMNS,
  INTERMEDIATE_COLUMNS,
  NEW_CUSTOMERS_COLUMNS,
} from "../../reports/columns.js";
import { type Column, toCsv } from "../../reports/csv.js";
import { reportsFreshness } from "../../reports/freshness.js";
import {
  casesByEntity,
  intermediateConsumptionBatches,
  intermediateConsumptionPage,
  newCustomersBatches,
  newCustomersPage,
} from "../../reports/queries.js";
import { casesByEntityOut, intermediateOut, newCustomersOut, reportsFreshnessOut } from "../api-shapes.js";
import type { AppDeps } from "../app.js";
import { errors, pageIn } from "../schemas.js";
import { iso } from "../views/common.js";

const period = { from: isoDate.optional(), to: isoDate.optional() };
const casesQuery = z.object({
  ...period,
  entity: z.string().max(64).optional(),
  type: z.enum(["ARR_SPECIAL", "ARR_INTERVENTION", "INT_EUROS"]).optional(),
  status: z.enum(["OPEN", "CLOSED"]).optional(),
});
const newCustomersQuery = z.object({
  ...period,
  entity: z.string().max(64).optional(),
  source: z
    .enum([
      "DECLARED",
      "PROOF",
      "PROOF_DATE_PREDECESSOR_INDEX",
      "PROOF_DATE_REMOTE_INDEX",
      "PREDECESSOR",
      "PRESCRIPTION",
      "INTERVENTION",
    ])
    .optional(),
});
const intermediateQuery = z.object({
  ...period,
  servicePoint: z.string().max(100).optional(),
  owner: z.string().max(200).optional(),
  entity: z.string().max(64).optional(),
});

function sendCsv<T>(reply: FastifyReply, name: string, columns: Column<T>[], rows: AsyncIterable<T[]>) {
  return reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}.csv"`)
    .header("cache-control", "no-store")
    .send(Readable.from(toCsv(columns, rows)));
}

export async function reportRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const config = { access: { kind: "report" as const } };
  // Reports and exports only read: from the replica when DATABASE_REPLICA_URL gives one (issue 18 point 4).
  const k = deps.reportsDb.kysely;
  // The kept counts' fold is a write: on the primary (queries.ts reads are exact before or after it).
  const primary = deps.db.kysely;

  api.get(
    "/reports/freshness",
    {
      config,
      schema: {
        tags: ["reports"],
        response: {
          200: reportsFreshnessOut,
          ...errors,
        },
      },
    },
    async () => reportsFreshness(deps.reportsDb),
  );

  api.get(
    "/reports/cases-by-entity",
    {
      config,
      schema: {
        tags: ["reports"],
        querystring: casesQuery,
        response: {
          200: casesByEntityOut,
          ...errors,
        },
      },
    },
    async (req) => ({ items: await casesByEntity(k, req.query, primary) }),
  );
  api.get(
    "/reports/cases-by-entity.csv",
    { config, schema: { tags: ["reports"], querystring: casesQuery } },
    async (req, reply) =>
      sendCsv(
        reply,
        "dossiers-par-entite",
        CASES_BY_ENTITY_COLUMNS,
        (async function* () {
          yield await casesByEntity(k, req.query, primary); // one row per entity, type and status: a single batch
        })(),
      ),
  );

  api.get(
    "/reports/new-customers",
    {
      config,
      schema: {
        tags: ["reports"],
        querystring: newCustomersQuery.extend(pageIn),
        response: {
          200: newCustomersOut,
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await newCustomersPage(k, { ...req.query, limit: req.query.limit ?? 50 }, primary);
      return {
        total: page.total,
        bySource: page.bySource,
        items: page.items.map((r) => ({ ...r, createdAt: iso(r.createdAt) as string })),
      };
    },
  );
  api.get(
    "/reports/new-customers.csv",
    { config, schema: { tags: ["reports"], querystring: newCustomersQuery } },
    async (req, reply) =>
      sendCsv(reply, "nouveaux-clients", NEW_CUSTOMERS_COLUMNS, newCustomersBatches(k, req.query)),
  );

  api.get(
    "/reports/intermediate-consumption",
    {
      config,
      schema: {
        tags: ["reports"],
        querystring: intermediateQuery.extend(pageIn),
        response: {
          200: intermediateOut,
          ...errors,
        },
      },
    },
    async (req) => intermediateConsumptionPage(k, { ...req.query, limit: req.query.limit ?? 50 }),
  );
  api.get(
    "/reports/intermediate-consumption.csv",
    { config, schema: { tags: ["reports"], querystring: intermediateQuery } },
    async (req, reply) =>
      sendCsv(
        reply,
        "consommation-intermediaire",
        INTERMEDIATE_COLUMNS,
        intermediateConsumptionBatches(k, req.query),
      ),
  );
}
