/** Factories for integration tests: a service point with a past occupant, contexts per role. Overrides welcome. */
import { makeConfig } from "../../src/platform/config.js";
import type { Context, Role } from "../../src/platform/context.js";
import type { Database } from "../../src/platform/db.js";
import type { GivenServicePoint } from "../../src/scenarios/format.js";
import { loadGiven } from "../../src/scenarios/given.js";

let seq = 0;

/** A service point whose predecessor left on 2024-01-15 at 1000 m3 (the shared scenarios' world). */
export function servicePointFixture(over: Partial<GivenServicePoint> = {}): GivenServicePoint {
  seq++;
  const id = over.id ?? `PDS-T${seq}`;
  return {
    id,
    address: "12 rue des Lilas, 69003 Lyon",
    owner: { name: "SCI Les Lilas" },
    meter: { serial: "A12345", remoteReading: false },
    readings: [{ date: "2023-06-01", index: 950, type: "NORMAL" }],
    subscriptions: [
      {
        id: `AB-T${seq}`,
        tags: [],
        customer: { id: `C-T${seq}`, name: "Paul Durand", email: "paul@example.fr" },
        start: { date: "2019-01-01", index: 500 },
        end: { date: "2024-01-15", index: 1000 },
      },
    ],
    ...over,
  };
}

export function ctxAs(
  role: Role,
  now: string | Date = "2024-03-05T10:00:00+01:00",
  entity?: string,
): Context {
  return {
    actor: { user: `${role.toLowerCase()}.test`, role, entity: entity ?? `${role}-LYON` },
    now: typeof now === "string" ? new Date(now) : now,
    config: makeConfig(),
  };
}

export async function givenServicePoints(db: Database, ...sps: GivenServicePoint[]): Promise<void> {
  await loadGiven(db, { ...ctxAs("ADMIN"), actor: { user: "given", role: "SYSTEM", entity: "GIVEN" } }, sps);
}

export const moveInRequest = (servicePoint: string, over: Record<string, unknown> = {}) => ({
  servicePoint,
  customer: { name: "Jeanne Martin", email: "jeanne@example.fr", address: "12 rue des Lilas, 69003 Lyon" },
  date: "2024-03-02",
  index: 1004,
  reconnection: false,
  proof: "WILL_SEND",
  ...over,
});
