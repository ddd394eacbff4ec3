/** Writes generated service points and their meters (chunked multi-row inserts). */
import type { Database } from "../platform/db.js";
import type { GeneratedPoint } from "./generate.js";

const STREETS = [
  "rue des Lilas",
  "avenue Jean Jaurès",
  "rue Garibaldi",
  "cours Lafayette",
  "rue de Sèze",
  "quai Perrache",
  "rue Paul Bert",
];
const TOWNS = ["69003 Lyon", "69006 Lyon", "69007 Lyon", "69100 Villeurbanne", "69200 Vénissieux"];

/** A plausible French address for the n-th service point. */
export const demoAddress = (n: number) =>
  `${1 + (n % 120)} ${STREETS[n % STREETS.length]}, ${TOWNS[Math.floor(n / 7) % TOWNS.length]}`;

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
