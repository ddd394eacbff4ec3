/**
 * SPEC §8 over HTTP, for the billing system's INTEGRATION token: reference data one row at a time (the
 * same validation and upsert as the CSV files), REMOTE readings, and the event feed.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { EVENT_TYPES, eventsAfter, MAX_EVENTS_PAGE } from "../../integration/events.js";
import type { AppDeps } from "../app.js";
import { errors } from "../schemas.js";

const eventOut = z.object({
  position: z.number(),
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  occurredAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
});

export async function integrationRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();

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
