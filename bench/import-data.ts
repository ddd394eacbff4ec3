/**
 * Data of the import bench: service points with one meter each, a readings file in date order (one
 * reading campaign per month over every service point, 1% slips), and the same rows in COPY text for
 * the baseline (a plain COPY into an unindexed table).
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";

/** The service points and meters an import file names: PDS-00000001…, one meter each (6 digits). */
export const SERVICE_POINTS_SQL = (n: number) => [
  `insert into service_points (id, address, created_at)
   select 'PDS-' || lpad(g::text, 8, '0'), g || ' rue de la Source, 69003 Lyon', '2020-01-01' from generate_series(1, ${n}) g`,
  `insert into meters (service_point_id, serial, digits, start_index, created_at)
   select 'PDS-' || lpad(g::text, 8, '0'), 'M' || g, 6, 0, '2020-01-01' from generate_series(1, ${n}) g`,
];

/** An unindexed table with the columns the import fills (the baseline's target). */
export const PLAIN_TABLE_SQL = `create table if not exists readings_plain (
  service_point_id text, meter_id bigint, reading_date date, index_m3 bigint, type text, status text,
  usage_m3 bigint, expected_usage_lo bigint, expected_usage_hi bigint, expected_index_lo bigint,
  expected_index_hi bigint, suggested_index bigint, warnings text[], import_key text,
  recorded_at timestamptz, recorded_by text, entity text)`;

/**
 * A table like `readings` with everything a loaded row costs there (its id default, checks, primary and
 * unique keys, index, and its references checked as on `readings`: the statement-level trigger of
 * migration 520), the second baseline's target: the floor a load into `readings` pays.
 */
export const INDEXED_TABLE_SQL = [
  "create table if not exists readings_indexed (like readings including all)",
  `do $$ begin
     if not exists (select 1 from pg_trigger where tgname = 'readings_indexed_references') then
       create trigger readings_indexed_references after insert on readings_indexed
         referencing new table as new_readings
         for each statement execute function ecart_readings_references();
     end if;
   end $$`,
];

const DAY = 86_400_000;
const START = Date.parse("2024-01-01T00:00:00Z");

/** Writes `rows` readings over `servicePoints` (rows / servicePoints monthly campaigns) as the import CSV and as COPY text. */
export async function writeImportFiles(
  rows: number,
  servicePoints: number,
  csvPath: string,
  copyPath: string,
): Promise<void> {
  const periods = Math.ceil(rows / servicePoints);
  const csv = createWriteStream(csvPath);
  const copy = createWriteStream(copyPath);
  csv.write("service_point,meter,date,index,type\n");
  let written = 0;
  let a = "";
  let b = "";
  for (let p = 1; p <= periods && written < rows; p++) {
    const date = new Date(START + 30 * p * DAY).toISOString().slice(0, 10);
    for (let g = 1; g <= servicePoints && written < rows; g++) {
      const daily = 0.15 + (g % 40) / 100;
      let index = 100 + Math.floor(daily * 30 * p);
      if ((g * 7 + p) % 100 === 0) index = index * 100 + 7; // a slip: decimals typed as digits
      const sp = `PDS-${String(g).padStart(8, "0")}`;
      a += `${sp},,${date},${index},NORMAL\n`;
      b += `${sp}\t${g}\t${date}\t${index}\tNORMAL\tVALID\t${Math.floor(daily * 30)}\t1\t25\t${index - 5}\t${index + 20}\t\\N\t{}\t${`${g.toString(36)}.${p.toString(36)}`.padStart(27, "_")}\t2035-01-01 09:00:00+00\timport:bench.csv\tIMPORT\n`;
      written++;
      if (a.length > 1 << 20) {
        const okA = csv.write(a);
        const okB = copy.write(b);
        a = "";
        b = "";
        // Both listened to at once: awaiting one, then the other, misses a drain that came meanwhile
        // (then nothing keeps the event loop alive and the bench process ends without a word).
        await Promise.all([okA || once(csv, "drain"), okB || once(copy, "drain")]);
      }
    }
  }
  csv.write(a);
  copy.write(b);
  csv.end();
  copy.end();
  await Promise.all([once(csv, "close"), once(copy, "close")]);
}
