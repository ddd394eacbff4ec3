/** Writes generated service points and their meters (chunked multi-row inserts). */
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

export async function insertPoints(db: Database, points: GeneratedPoint[], chunk = 500): Promise<void> {
  for (let i = 0; i < points.length; i += chunk) {
    const part = points.slice(i, i + chunk);
    await db.kysely
      .insertInto("service_points")
      .values(
        part.map((p, j) => ({
          id: p.id,
          address: demoAddress(i + j),
          owner_name: (i + j) % 3 === 0 ? `SCI Résidence ${1 + ((i + j) % 40)}` : null,
        })),
      )
      .execute();
    await db.kysely
      .insertInto("meters")
      .values(
        part.map((p) => ({
          service_point_id: p.id,
          serial: p.serial,
          remote_reading: p.remote,
          digits: p.digits,
        })),
      )
      .execute();
  }
}
