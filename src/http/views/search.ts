/** Search across service points (id, address, meter serial), people (name, email) and cases (id). Queries only. */
import { sql } from "kysely";
import type { Database } from "../../platform/db.js";
import { normalSerial } from "../../platform/serial.js";
import { iso, likeEscape, readOnly } from "./common.js";

/** Most results per kind. */
export const SEARCH_LIMIT = 20;

export async function search(db: Database, q: string) {
  const term = q.trim();
  const like = `%${likeEscape(term)}%`;
  const compactSerial = normalSerial(term);
  return readOnly(db, async (trx) => {
    const servicePoints = await trx
      .selectFrom("service_points as sp")
      .leftJoin("meters as m", (j) =>
        j.onRef("m.service_point_id", "=", "sp.id").on("m.removed_on", "is", null),
      )
      .select(["sp.id", "sp.address", "sp.owner_name as owner", "m.serial as meterSerial"])
      .where((eb) =>
        eb.or([
          eb("sp.id", "ilike", like),
          eb("sp.address", "ilike", like),
          eb(sql<string>`upper(replace(m.serial, ' ', ''))`, "like", `%${likeEscape(compactSerial)}%`),
          eb.exists(
            eb
              .selectFrom("meters as om")
              .select("om.id")
              .whereRef("om.service_point_id", "=", "sp.id")
              .where(sql<string>`upper(replace(om.serial, ' ', ''))`, "=", compactSerial),
          ),
        ]),
      )
      .orderBy("sp.id")
      .limit(SEARCH_LIMIT)
      .execute();
    const people = await trx
      .selectFrom("parties as p")
      .select([
        "p.id",
        "p.name",
        "p.email",
        "p.role",
        (eb) =>
          eb
            .selectFrom("subscriptions as s")
            .select("s.service_point_id")
            .whereRef("s.party_id", "=", "p.id")
            .orderBy("s.start_date", "desc")
            .limit(1)
            .as("subscriptionServicePoint"),
        (eb) =>
          eb
            .selectFrom("cases as c")
            .select("c.service_point_id")
            .whereRef("c.party_id", "=", "p.id")
            .orderBy("c.created_at", "desc")
            .limit(1)
            .as("caseServicePoint"),
      ])
      .where((eb) =>
        eb.or([eb("p.name", "ilike", like), eb("p.email", "ilike", like), eb("p.id", "ilike", like)]),
      )
      .orderBy("p.name")
      .orderBy("p.id")
      .limit(SEARCH_LIMIT)
      .execute();
    const cases = await trx
      .selectFrom("cases as c")
      .leftJoin("parties as p", "p.id", "c.party_id")
      .select([
        "c.id",
        "c.type",
        "c.status",
        "c.entity",
        "c.service_point_id as servicePoint",
        "p.name as party",
        "c.created_at",
      ])
      .where((eb) => eb.or([eb("c.id", "ilike", like), eb("c.subscription_id", "ilike", like)]))
      .orderBy("c.created_at", "desc")
      .limit(SEARCH_LIMIT)
      .execute();
    return {
      servicePoints,
      people: people.map(({ subscriptionServicePoint, caseServicePoint, ...p }) => ({
        ...p,
        servicePoint: subscriptionServicePoint ?? caseServicePoint ?? null,
      })),
      cases: cases.map(({ created_at, ...c }) => ({ ...c, createdAt: iso(created_at) as string })),
    };
  });
}
