/** Search across service points (id, address, meter serial), people (name, email) and cases (id). Queries only. */

import { sql } from "kysely";
import type { Database } from "../../platform/db.js";
import { normalSerial } from "../../platform/serial.js";
import type { SearchResult } from "../api-shapes.js";
import { iso, likeEscape, readOnly } from "./common.js";

/** Most results per kind on one page. */
export const SEARCH_LIMIT = 20;

/**
 * Service points (with their current occupant), people and cases matching the text; each kind's page starts
 * at `offset` and comes with the kind's total, so that the console says how many matched and pages through.
 */
export async function search(db: Database, q: string, offset = 0): Promise<SearchResult> {
  const term = q.trim();
  const like = `%${likeEscape(term)}%`;
  const compactSerial = normalSerial(term);
  return readOnly(db, async (trx) => {
    const spQuery = trx
      .selectFrom("service_points as sp")
      .leftJoin("meters as m", (j) =>
        j.onRef("m.service_point_id", "=", "sp.id").on("m.removed_on", "is", null),
      )
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
      );
    const servicePoints = await spQuery
      .select([
        "sp.id",
        "sp.address",
        "sp.owner_name as owner",
        "m.serial as meterSerial",
        (eb) =>
          eb
            .selectFrom("subscriptions as s")
            .innerJoin("parties as op", "op.id", "s.party_id")
            .select("op.name")
            .whereRef("s.service_point_id", "=", "sp.id")
            .where("s.end_date", "is", null)
            .limit(1)
            .as("occupant"),
        (eb) =>
          eb
            .selectFrom("cases as oc")
            .select((x) => x.fn.countAll<number>().as("n"))
            .whereRef("oc.service_point_id", "=", "sp.id")
            .where("oc.status", "=", "OPEN")
            .as("openCases"),
      ])
      .orderBy("sp.id")
      .limit(SEARCH_LIMIT)
      .offset(offset)
      .execute();
    const spTotal = await spQuery.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const peopleQuery = trx
      .selectFrom("parties as p")
      .where((eb) =>
        eb.or([eb("p.name", "ilike", like), eb("p.email", "ilike", like), eb("p.id", "ilike", like)]),
      );
    const people = await peopleQuery
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
      .orderBy("p.name")
      .orderBy("p.id")
      .limit(SEARCH_LIMIT)
      .offset(offset)
      .execute();
    const peopleTotal = await peopleQuery
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const casesQuery = trx
      .selectFrom("cases as c")
      .where((eb) => eb.or([eb("c.id", "ilike", like), eb("c.subscription_id", "ilike", like)]));
    const cases = await casesQuery
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
      .orderBy("c.created_at", "desc")
      .orderBy("c.id", "desc")
      .limit(SEARCH_LIMIT)
      .offset(offset)
      .execute();
    const casesTotal = await casesQuery
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return {
      totals: {
        servicePoints: Number(spTotal.n),
        people: Number(peopleTotal.n),
        cases: Number(casesTotal.n),
      },
      offset,
      limit: SEARCH_LIMIT,
      servicePoints: servicePoints.map((sp) => ({
        ...sp,
        state: sp.occupant ? ("OCCUPIED" as const) : ("VACANT" as const),
        openCases: Number(sp.openCases ?? 0),
      })),
      people: people.map(({ subscriptionServicePoint, caseServicePoint, ...p }) => ({
        ...p,
        servicePoint: subscriptionServicePoint ?? caseServicePoint ?? null,
      })),
      cases: cases.map(({ created_at, ...c }) => ({ ...c, createdAt: iso(created_at) as string })),
    };
  });
}
