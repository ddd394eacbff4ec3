/** Writes generated service points and their meters, through the reference data's write path. */
import { applyReferenceRows } from "../integration/reference.js";
import { makeConfig } from "../platform/config.js";
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import type { GeneratedPoint } from "./generate.js";

/** Streets with the town they are in, so that an address names a real place: street, postcode and town agree. */
const STREETS: ReadonlyArray<readonly [string, string]> = [
  ["rue Garibaldi", "69003 Lyon"],
  ["cours Lafayette", "69003 Lyon"],
  ["rue Paul Bert", "69003 Lyon"],
  ["rue de Sèze", "69006 Lyon"],
  ["avenue Jean Jaurès", "69007 Lyon"],
  ["quai Perrache", "69002 Lyon"],
  ["cours Émile Zola", "69100 Villeurbanne"],
  ["rue Anatole France", "69100 Villeurbanne"],
  ["boulevard Marcel Sembat", "69200 Vénissieux"],
];
/** Street numbers used on each street before flats share a building. */
const NUMBERS = 120;

/**
 * A plausible French address for the n-th service point: each street in its own town; past the numbers of
 * every street, service points share a building and are told apart by their flat.
 */
export const demoAddress = (n: number) => {
  const [street, town] = STREETS[n % STREETS.length] as readonly [string, string];
  const number = 1 + (Math.floor(n / STREETS.length) % NUMBERS);
  const flat = Math.floor(n / (STREETS.length * NUMBERS));
  return `${number} ${street}${flat > 0 ? `, appartement ${flat + 1}` : ""}, ${town}`;
};

/** A service point with its one meter, as the demo makes them. */
export interface DemoPlace {
  id: string;
  address: string;
  owner: string | null;
  serial: string;
  remote: boolean;
  digits: number | null;
}

/** The demo acting as the system (loading places and readings as a CIS would), at `now`. */
export const demoSystem = (now = new Date(), config = makeConfig()): Context => ({
  actor: { user: "demo", role: "SYSTEM", entity: "DEMO" },
  now,
  config,
});

/**
 * Writes places (service point and meter) through the CIS's way in (integration/reference.ts, the one write
 * path of reference data), in one transaction; a refused row is thrown.
 */
export async function putPlaces(db: Database, ctx: Context, places: DemoPlace[], first = 1): Promise<void> {
  const from = { source: "demo", lines: [first, first + places.length - 1] as [number, number] };
  await db.kysely.transaction().execute(async (trx) => {
    const results = [
      ...(await applyReferenceRows(
        trx,
        ctx,
        "service-points",
        places.map((p, j) => ({
          line: first + j,
          servicePoint: p.id,
          address: p.address,
          ownerName: p.owner,
        })),
        from,
      )),
      ...(await applyReferenceRows(
        trx,
        ctx,
        "meters",
        places.map((p, j) => ({
          line: first + j,
          servicePoint: p.id,
          serial: p.serial,
          remote: p.remote,
          installedOn: null,
          installedIndex: null,
          removedOn: null,
          removedIndex: null,
          digits: p.digits,
        })),
        from,
      )),
    ];
    const refused = results.find((r) => typeof r !== "string");
    if (refused) throw refused;
  });
}

/** Writes generated service points and their meters (putPlaces), `chunk` to a transaction, as `ctx`. */
export async function insertPoints(
  db: Database,
  points: GeneratedPoint[],
  { chunk = 500, ctx = demoSystem() }: { chunk?: number; ctx?: Context } = {},
): Promise<void> {
  for (let i = 0; i < points.length; i += chunk) {
    const places = points.slice(i, i + chunk).map((p, j) => ({
      id: p.id,
      address: demoAddress(i + j),
      owner: (i + j) % 3 === 0 ? `SCI Résidence ${1 + ((i + j) % 40)}` : null,
      serial: p.serial,
      remote: p.remote,
      digits: p.digits,
    }));
    await putPlaces(db, ctx, places, i + 1);
  }
}
