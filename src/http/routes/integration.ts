/**
 * SPEC §8 over HTTP, for the billing system's INTEGRATION token: reference data one row at a time (the
 * same validation and upsert as the CSV files), REMOTE readings, and the event feed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { mayRun } from "../../accounts/roles.js";
import {
  MAX_REMOTE_READINGS,
  meterExchange,
  meterFields,
  putReferenceRow,
  recordRemoteReadings,
  servicePointFields,
  subscriptionFields,
} from "../../integration/api.js";
import {
  addWebhookEndpoint,
  listWebhookEndpoints,
  setWebhookActive,
  webhookAttempts,
} from "../../integration/webhooks.js";
import { ROLES } from "../../platform/context.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import { EVENT_TYPES, eventsAfter, MAX_EVENTS_PAGE } from "../../platform/events.js";
import { isoDate, rawIndex } from "../../platform/validate.js";
import { ENTERED_TYPES } from "../../readings/commands.js";
import type { CommandResult } from "../../registry.js";
import { attemptOut, endpointOut } from "../api-shapes.js";
import type { AppDeps } from "../app.js";
import { contextOf } from "../auth.js";
import { commandOut, errors, idParam } from "../schemas.js";

const admin = { access: { kind: "admin" as const } };

const outcomeOut = z.object({ outcome: z.enum(["INSERTED", "UPDATED", "UNCHANGED"]) });
const loadReference = { access: { kind: "command" as const, verb: "loadReferenceData" as const } };
const nullableText = z.string().trim().max(400).nullish();
const dated = z.object({ date: isoDate, index: rawIndex });

const eventOut = z.object({
  position: z.number(),
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  occurredAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
});

export async function integrationRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const ctx = (req: FastifyRequest) => contextOf(req, deps.config, deps.clock);

  api.put(
    "/service-points/:id",
    {
      config: loadReference,
      schema: {
        tags: ["integration"],
        description: "A row of the service-points file (SPEC §8): an upsert keyed by the CIS's id.",
        params: idParam,
        body: z.object({ address: z.string().max(400), ownerName: nullableText }),
        response: { 200: outcomeOut, ...errors },
      },
    },
    async (req) => {
      return {
        outcome: await putReferenceRow(
          deps.db,
          ctx(req),
          "service-points",
          servicePointFields(req.params.id, req.body),
        ),
      };
    },
  );

  api.put(
    "/service-points/:id/meters/:serial",
    {
      config: loadReference,
      schema: {
        tags: ["integration"],
        description: "A row of the meters file (SPEC §8), keyed by service point and serial.",
        params: idParam.extend({ serial: z.string().min(1).max(100) }),
        body: z.object({
          remote: z.boolean(),
          installedOn: isoDate.nullish(),
          installedIndex: rawIndex.nullish(),
          removedOn: isoDate.nullish(),
          removedIndex: rawIndex.nullish(),
          digits: z.number().int().nullish(),
        }),
        response: { 200: outcomeOut, ...errors },
      },
    },
    async (req) => {
      return {
        outcome: await putReferenceRow(
          deps.db,
          ctx(req),
          "meters",
          meterFields(req.params.id, req.params.serial, req.body),
        ),
      };
    },
  );

  api.post(
    "/service-points/:id/meter-exchanges",
    {
      config: loadReference,
      schema: {
        tags: ["integration"],
        description:
          "A meter exchange: the meter in place (or the one named) removed at an index, its successor installed at an index, on one date; both indexes enter the history.",
        params: idParam,
        body: z.object({
          date: isoDate,
          removed: z.object({ serial: z.string().max(100).nullish(), index: rawIndex }),
          installed: z.object({
            serial: z.string().min(1).max(100),
            index: rawIndex,
            remote: z.boolean().optional(),
          }),
        }),
        response: {
          200: z.object({ removed: outcomeOut.shape.outcome, installed: outcomeOut.shape.outcome }),
          ...errors,
        },
      },
    },
    async (req) => meterExchange(deps.db, ctx(req), req.params.id, req.body),
  );

  api.put(
    "/subscriptions/:id",
    {
      config: loadReference,
      schema: {
        tags: ["integration"],
        description:
          "A row of the subscriptions file (SPEC §8), keyed by the CIS's id. An end given later is a move-out; a start or end already recorded is never rewritten (409 FACT_ALREADY_DECIDED).",
        params: idParam,
        body: z.object({
          servicePoint: z.string().min(1).max(100),
          customer: z.object({
            id: z.string().min(1).max(100),
            name: z.string().max(400),
            email: nullableText,
            postalAddress: nullableText,
          }),
          start: dated,
          end: dated.nullish(),
          tags: z.array(z.string().max(40)).max(20).optional(),
        }),
        response: { 200: outcomeOut, ...errors },
      },
    },
    async (req) => {
      return {
        outcome: await putReferenceRow(
          deps.db,
          ctx(req),
          "subscriptions",
          subscriptionFields(req.params.id, req.body),
        ),
      };
    },
  );

  api.get(
    "/webhooks",
    {
      config: admin,
      schema: {
        tags: ["webhooks"],
        description:
          "The webhook endpoints with their delivery state (pending events, attempts, last status and error).",
        response: { 200: z.object({ items: z.array(endpointOut) }), ...errors },
      },
    },
    async () => ({ items: await listWebhookEndpoints(deps.db) }),
  );

  api.post(
    "/webhooks",
    {
      config: admin,
      schema: {
        tags: ["webhooks"],
        description:
          "Registers an endpoint: it receives the events after the current last one (all of them with `fromStart`). The secret that signs its deliveries is returned this once.",
        body: z.object({
          url: z.string().min(1).max(2000),
          description: z.string().max(200).nullish(),
          fromStart: z.boolean().optional(),
        }),
        response: { 200: z.object({ endpoint: endpointOut, secret: z.string() }), ...errors },
      },
    },
    async (req) => addWebhookEndpoint(deps.db, ctx(req), req.body),
  );

  for (const [verb, active] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    api.post(
      `/webhooks/:id/${verb}`,
      {
        config: admin,
        schema: {
          tags: ["webhooks"],
          description: active
            ? "Resumes deliveries to an endpoint, from the first event it has not acknowledged."
            : "Stops deliveries to an endpoint; its events wait for it.",
          params: idParam,
          response: { 200: endpointOut, ...errors },
        },
      },
      async (req) => setWebhookActive(deps.db, ctx(req), req.params.id, active),
    );
  }

  api.get(
    "/webhooks/:id/attempts",
    {
      config: admin,
      schema: {
        tags: ["webhooks"],
        description: "An endpoint's latest delivery attempts, newest first.",
        params: idParam,
        response: { 200: z.object({ items: z.array(attemptOut) }), ...errors },
      },
    },
    async (req) => ({ items: await webhookAttempts(deps.db, req.params.id) }),
  );

  api.get(
    "/events",
    {
      config: { access: { kind: "command", verb: "readEvents" } },
      schema: {
        tags: ["integration"],
        description:
          "The event feed (SPEC §8), in order: the events after `after` (a position; 0 for the start), at most `limit`. Page on with the last position received.",
        querystring: z.object({
          after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
          limit: z.coerce.number().int().min(1).max(MAX_EVENTS_PAGE).default(100),
        }),
        response: {
          200: z.object({ items: z.array(eventOut), last: z.number() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const items = await eventsAfter(deps.db, req.query.after, req.query.limit);
      return { items, last: items.at(-1)?.position ?? req.query.after };
    },
  );
}

const oneReading = z.object({ date: isoDate, index: rawIndex, type: z.enum(ENTERED_TYPES) });
const remoteReading = z.object({ date: isoDate, index: rawIndex, type: z.literal("REMOTE").optional() });
const remoteOut = z.object({
  date: z.string(),
  index: z.number(),
  reading: z.string(),
  duplicate: z.boolean(),
  plausibility: z.unknown(),
});

/** Roles the readings route lets in: those that record readings (R14) and the billing system (REMOTE). */
const READING_ROLES = ROLES.filter((r) => mayRun(r, "recordReading") || mayRun(r, "recordRemoteReadings"));

/**
 * `POST /service-points/:id/readings`: an advisor's reading (recordReading), or for an INTEGRATION token
 * REMOTE readings, one (`{date, index, type: "REMOTE"}`) or a batch (`{readings: [...]}`).
 */
export function readingsRoute(
  app: FastifyInstance,
  deps: AppDeps,
  record: (req: FastifyRequest, input: Record<string, unknown>) => Promise<CommandResult>,
  send: (reply: FastifyReply, r: CommandResult) => FastifyReply,
) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    "/service-points/:id/readings",
    {
      config: { access: { kind: "roles", roles: READING_ROLES } },
      schema: {
        tags: ["commands"],
        description:
          'recordReading (an advisor\'s reading); for an INTEGRATION token, REMOTE readings: one `{date, index, type: "REMOTE"}` or a batch `{readings: [{date, index}, …]}` (at most 1,000), idempotent.',
        params: idParam,
        body: z.union([
          oneReading,
          z.object({ readings: z.array(remoteReading).min(1).max(MAX_REMOTE_READINGS) }),
        ]),
        response: {
          200: z.union([
            commandOut,
            z.object({ outcome: z.literal("READINGS_RECORDED"), items: z.array(remoteOut) }),
          ]),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const c = contextOf(req, deps.config, deps.clock);
      const body = req.body as Record<string, unknown>;
      if (!mayRun(c.actor.role, "recordRemoteReadings"))
        return send(reply, await record(req, { ...body, servicePoint: req.params.id }));
      const list =
        "readings" in body
          ? (body.readings as Array<{ date: string; index: string | number; type?: string }>)
          : [body as { date: string; index: string | number; type?: string }];
      for (const r of list)
        if (r.type !== undefined && r.type !== "REMOTE")
          throw new EcartError(
            ErrorCode.FORBIDDEN,
            `Le système de facturation n'enregistre que des relevés de télérelève (REMOTE), pas ${r.type}.`,
            `INTEGRATION records REMOTE readings only, not ${r.type}`,
            "type",
          );
      const items = await recordRemoteReadings(deps.db, c, req.params.id, list);
      return { outcome: "READINGS_RECORDED" as const, items };
    },
  );
}
