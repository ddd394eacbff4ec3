/**
 * SPEC §8's rows one at a time, for the API (an INTEGRATION token): the body becomes the same fields as
 * a CSV line, checked by the same parser and written by the same upsert (reference.ts), in one
 * transaction; and REMOTE readings (télérelève), one or a batch, each checked like any reading.
 */
import { sql, type Transaction } from "kysely";
import { audit } from "../platform/audit.js";
import { only } from "../platform/batch.js";
import { type Context, today } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { asConflict, EcartError, ErrorCode } from "../platform/errors.js";
import type { DB } from "../platform/schema.js";
import { assertNotFuture } from "../readings/commands.js";
import { importKey } from "../readings/import-rows.js";
import { parseIndexM3 } from "../readings/index-m3.js";
import type { Plausibility } from "../readings/plausibility.js";
import { appendReadings, meterAt } from "../readings/store.js";
import { lockServicePoint } from "../service-points/store.js";
import { applyReferenceRows, type RowOutcome } from "./reference.js";
import { type Fields, isRefusal, parseRow, type ReferenceKind, type RowOf } from "./rows.js";

/** Where API writes come from, in the audit trail. */
const API_SOURCE = "api";

/** Runs `fn` in a transaction; a lost race becomes CONFLICT. */
async function inTransaction<T>(db: Database, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(fn);
  } catch (e) {
    if (e instanceof EcartError) throw e;
    throw asConflict(e) ?? e;
  }
}

/** One row of a reference file, given as its fields: its outcome, or its refusal thrown. */
export async function putReferenceRows(
  db: Database,
  ctx: Context,
  kind: ReferenceKind,
  fields: Fields[],
): Promise<RowOutcome[]> {
  const rows: RowOf<ReferenceKind>[] = [];
  for (const f of fields) {
    const row = parseRow(kind, f, 0, today(ctx));
    if (isRefusal(row)) throw row.error;
    rows.push(row);
  }
  return inTransaction(db, async (trx) => {
    const results = await applyReferenceRows(trx, ctx, kind, rows, { source: API_SOURCE });
    for (const r of results) if (typeof r !== "string") throw r;
    return results as RowOutcome[];
  });
}

/** One row of a reference file (an API PUT): its outcome, or its refusal thrown. */
export async function putReferenceRow(
  db: Database,
  ctx: Context,
  kind: ReferenceKind,
  fields: Fields,
): Promise<RowOutcome> {
  const [outcome] = await putReferenceRows(db, ctx, kind, [fields]);
  if (outcome === undefined) throw new Error(`${kind}: no outcome for the row`);
  return outcome;
}

const str = (v: unknown): string | undefined =>
  v === undefined ? undefined : v === null ? "" : typeof v === "boolean" ? (v ? "1" : "0") : String(v);

/** The fields of a service point from its API body. */
export function servicePointFields(id: string, b: { address: string; ownerName?: string | null }): Fields {
  return { service_point: id, address: b.address, owner_name: str(b.ownerName) };
}

export interface MeterBody {
  remote: boolean;
  installedOn?: string | null;
  installedIndex?: number | string | null;
  removedOn?: string | null;
  removedIndex?: number | string | null;
  /** The meter's dials (rollover); absent: left as it is; null: not known. */
  digits?: number | null;
}

/** The fields of a meter from its API body. */
export function meterFields(servicePoint: string, serial: string, b: MeterBody): Fields {
  return {
    service_point: servicePoint,
    serial,
    remote: str(b.remote),
    installed_on: str(b.installedOn) ?? "",
    installed_index: str(b.installedIndex) ?? "",
    removed_on: str(b.removedOn) ?? "",
    removed_index: str(b.removedIndex) ?? "",
    digits: str(b.digits),
  };
}

export interface SubscriptionBody {
  servicePoint: string;
  customer: { id: string; name: string; email?: string | null; postalAddress?: string | null };
  start: { date: string; index: number | string };
  end?: { date: string; index: number | string } | null;
  tags?: string[];
}

/** The fields of a subscription from its API body. */
export function subscriptionFields(id: string, b: SubscriptionBody): Fields {
  return {
    subscription: id,
    service_point: b.servicePoint,
    customer: b.customer.id,
    customer_name: b.customer.name,
    email: str(b.customer.email),
    postal_address: str(b.customer.postalAddress),
    start_date: b.start.date,
    start_index: str(b.start.index),
    end_date: b.end ? b.end.date : "",
    end_index: b.end ? str(b.end.index) : "",
    tags: b.tags === undefined ? undefined : b.tags.join("|"),
  };
}

export interface MeterExchangeBody {
  date: string;
  /** The meter removed: its serial (default: the one in place) and its index at removal. */
  removed: { serial?: string | null; index: number | string };
  installed: { serial: string; index: number | string; remote?: boolean };
}

/**
 * A meter exchange: the removal of the meter in place and the installation of its successor, as two rows
 * of the meters file written together (the removal and installation readings enter the history).
 */
export async function meterExchange(
  db: Database,
  ctx: Context,
  servicePoint: string,
  b: MeterExchangeBody,
): Promise<{ removed: RowOutcome; installed: RowOutcome }> {
  const current = await db.kysely
    .selectFrom("meters")
    .select(["serial", "remote_reading"])
    .where("service_point_id", "=", servicePoint)
    .where("removed_on", "is", null)
    .executeTakeFirst();
  const named = b.removed.serial ?? current?.serial;
  if (!named)
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      `Aucun compteur en place sur ${servicePoint} : indiquez le matricule du compteur déposé.`,
      `no meter in place at ${servicePoint}`,
      "removed.serial",
    );
  const [removed, installed] = await putReferenceRows(db, ctx, "meters", [
    meterFields(servicePoint, named, {
      remote: current?.remote_reading ?? false,
      removedOn: b.date,
      removedIndex: b.removed.index,
    }),
    meterFields(servicePoint, b.installed.serial, {
      remote: b.installed.remote ?? current?.remote_reading ?? false,
      installedOn: b.date,
      installedIndex: b.installed.index,
    }),
  ]);
  return { removed: removed as RowOutcome, installed: installed as RowOutcome };
}

/** Largest batch of REMOTE readings in one call. */
export const MAX_REMOTE_READINGS = 1000;

export interface RemoteReadingResult {
  date: string;
  index: number;
  /** The reading's id; for one already recorded (same service point, date and index), that one's. */
  reading: string;
  duplicate: boolean;
  plausibility: Plausibility | null;
}

/**
 * REMOTE readings of one service point (R14: from the meters' feed only), in date order, in one
 * transaction: each gets the check of SPEC §4 on the meter in place at its date. A reading already
 * recorded (same service point, date and index, from this API or `ecart import readings`) is not
 * recorded twice: the same call again changes nothing.
 */
export async function recordRemoteReadings(
  db: Database,
  ctx: Context,
  servicePoint: string,
  readings: Array<{ date: string; index: number | string }>,
): Promise<RemoteReadingResult[]> {
  const parsed = readings.map((r, i) => {
    const field = readings.length > 1 ? `readings.${i}` : "";
    assertNotFuture(ctx, r.date, field ? `${field}.date` : "date");
    const index = parseIndexM3(r.index, field ? `${field}.index` : "index");
    return { date: r.date, index, key: importKey(servicePoint, null, r.date, index, "REMOTE") };
  });
  return inTransaction(db, async (trx) => {
    await lockServicePoint(trx, servicePoint);
    const seen = await sql<{ id: string; import_key: string }>`
      select id, import_key from readings
       where service_point_id = ${servicePoint} and import_key = any(${parsed.map((p) => p.key)}::text[])`.execute(
      trx,
    );
    const known = new Map(seen.rows.map((r) => [r.import_key, r.id]));
    const order = parsed
      .map((_, i) => i)
      .sort((a, b) => ((parsed[a]?.date ?? "") < (parsed[b]?.date ?? "") ? -1 : 1));
    const out: RemoteReadingResult[] = new Array(parsed.length);
    for (const i of order) {
      const p = parsed[i] as (typeof parsed)[number];
      const already = known.get(p.key);
      if (already) {
        out[i] = { date: p.date, index: p.index, reading: already, duplicate: true, plausibility: null };
        continue;
      }
      const meter = await meterAt(trx, servicePoint, p.date);
      const r = only(
        await appendReadings(trx, ctx, [
          {
            servicePointId: servicePoint,
            meterId: meter?.id ?? null,
            date: p.date,
            index: p.index,
            type: "REMOTE",
            importKey: p.key,
          },
        ]),
      );
      known.set(p.key, r.id);
      await audit(trx, ctx, "reading.recorded", "reading", r.id, {
        index: p.index,
        date: p.date,
        status: r.plausibility.status,
        type: "REMOTE",
      });
      out[i] = {
        date: p.date,
        index: p.index,
        reading: r.id,
        duplicate: false,
        plausibility: r.plausibility,
      };
    }
    return out;
  });
}
