/**
 * Meters from the CIS (SPEC §8), keyed by service point and serial. A new serial where another meter is
 * in place is a meter exchange only when that meter's removal is given (removed_on): the removal index
 * and the new meter's installation index then enter the history as readings. A serial, an installation
 * or a removal already recorded is never rewritten (FACT_ALREADY_DECIDED): a correction of an index
 * goes through correctReading.
 */
import { sql } from "kysely";
import { type AuditEntry, auditAll } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { appendHistory, type HistoryReading } from "./history.js";
import {
  decided,
  decisionOrder,
  lockServicePoints,
  type RowResult,
  type Trx,
  unknownServicePoint,
} from "./reference-common.js";
import { type MeterRow, normalSerial } from "./rows.js";

/** A meter as the batch sees it: from the database (id) or inserted by the batch (`row`: its position). */
interface MeterState {
  id: number | null;
  servicePoint: string;
  serial: string;
  remote: boolean;
  installedOn: string | null;
  startIndex: number;
  removedOn: string | null;
  removedIndex: number | null;
  digits: number | null;
  dirty: boolean;
}

/** Decides one row against the service point's meters (changed in place); the readings it brings. */
function decide(
  r: MeterRow,
  meters: MeterState[],
  inserted: MeterState[],
  readings: Array<{ meter: MeterState; reading: Omit<HistoryReading, "meterId"> }>,
  audits: AuditEntry[],
): RowResult {
  const m = meters.find((x) => normalSerial(x.serial) === r.serial);
  if (!m) {
    const active = meters.find((x) => x.removedOn === null);
    if (r.removedOn === null && active)
      return decided(
        `Le compteur ${active.serial} est en place sur ${r.servicePoint} : le matricule ${r.serial} ne le remplace qu'avec sa dépose (removed_on et removed_index de ${active.serial}) ; changement de matricule refusé.`,
        `meter ${active.serial} is in place at ${r.servicePoint}: ${r.serial} needs its removal first`,
        "serial",
      );
    const n: MeterState = {
      id: null,
      servicePoint: r.servicePoint,
      serial: r.serial,
      remote: r.remote,
      installedOn: r.installedOn,
      startIndex: r.installedIndex ?? 0,
      removedOn: r.removedOn,
      removedIndex: r.removedIndex,
      digits: r.digits ?? null,
      dirty: false,
    };
    // The installation of a replacement (another meter removed by then) enters the history.
    const replaces = meters.some(
      (x) => x.removedOn !== null && r.installedOn !== null && x.removedOn <= r.installedOn,
    );
    if (replaces && r.installedOn !== null && r.installedIndex !== null)
      readings.push({ meter: n, reading: reading(r.servicePoint, r.installedOn, r.installedIndex) });
    if (r.removedOn !== null && r.removedIndex !== null)
      readings.push({ meter: n, reading: reading(r.servicePoint, r.removedOn, r.removedIndex) });
    meters.push(n);
    inserted.push(n);
    return "INSERTED";
  }
  // Installation: given where none was recorded, it is filled in; a different one is refused.
  let changed = false;
  if (r.installedOn !== null) {
    if (m.installedOn === null) {
      m.installedOn = r.installedOn;
      m.startIndex = r.installedIndex ?? m.startIndex;
      changed = true;
    } else if (
      m.installedOn !== r.installedOn ||
      (r.installedIndex !== null && r.installedIndex !== m.startIndex)
    )
      return decided(
        `Le compteur ${m.serial} a été posé le ${frenchDate(m.installedOn)} à l'index ${m.startIndex} m3 ; le fichier dit le ${frenchDate(r.installedOn)} à l'index ${r.installedIndex ?? "—"} : pose non modifiée.`,
        `meter ${m.serial} installation differs`,
        "installed_on",
      );
  }
  // Removal: given for a meter in place, it is a removal (a meter exchange when another follows).
  if (m.removedOn !== null && r.removedOn === null)
    return decided(
      `Le compteur ${m.serial} a été déposé le ${frenchDate(m.removedOn)} : une dépose enregistrée ne s'annule pas.`,
      `meter ${m.serial} was removed on ${m.removedOn}`,
      "removed_on",
    );
  if (r.removedOn !== null) {
    if (m.removedOn === null) {
      if (r.installedOn === null && m.installedOn !== null && r.removedOn < m.installedOn)
        return new EcartError(
          ErrorCode.INVALID_INPUT,
          `removed_on : antérieure à la pose du compteur (${frenchDate(m.installedOn)}).`,
          "removed before installed",
          "removed_on",
        );
      m.removedOn = r.removedOn;
      m.removedIndex = r.removedIndex;
      readings.push({ meter: m, reading: reading(r.servicePoint, r.removedOn, r.removedIndex as number) });
      audits.push({
        action: "meter.removed",
        objectType: "meter",
        objectId: `${r.servicePoint}/${m.serial}`,
        details: { date: r.removedOn, index: r.removedIndex },
      });
      changed = true;
    } else if (m.removedOn !== r.removedOn || (m.removedIndex !== null && m.removedIndex !== r.removedIndex))
      return decided(
        `Le compteur ${m.serial} a été déposé le ${frenchDate(m.removedOn)} à l'index ${m.removedIndex ?? "—"} ; le fichier dit le ${frenchDate(r.removedOn)} à l'index ${r.removedIndex} : dépose non modifiée.`,
        `meter ${m.serial} removal differs`,
        "removed_on",
      );
    else if (m.removedIndex === null) {
      m.removedIndex = r.removedIndex;
      changed = true;
    }
  }
  if (m.remote !== r.remote) {
    m.remote = r.remote;
    changed = true;
  }
  // The dials may be given or corrected at any load: they bear on the checks of readings to come only.
  if (r.digits !== undefined && r.digits !== m.digits) {
    m.digits = r.digits;
    changed = true;
  }
  if (changed) m.dirty = true;
  return changed ? "UPDATED" : "UNCHANGED";
}

const reading = (servicePointId: string, date: string, index: number): Omit<HistoryReading, "meterId"> => ({
  servicePointId,
  date,
  index,
  type: "NORMAL",
});

/** Meters: see the module comment. */
export async function applyMeters(trx: Trx, ctx: Context, rows: MeterRow[]): Promise<RowResult[]> {
  const points = await lockServicePoints(
    trx,
    rows.map((r) => r.servicePoint),
  );
  const existing = await sql<{
    id: number;
    service_point_id: string;
    serial: string;
    remote_reading: boolean;
    installed_on: string | null;
    start_index: number;
    removed_on: string | null;
    removed_index: number | null;
    digits: number | null;
  }>`
    select id, service_point_id, serial, remote_reading, installed_on::text as installed_on, start_index,
           removed_on::text as removed_on, removed_index, digits
      from meters where service_point_id = any(${[...points.keys()]}::text[]) order by id`.execute(trx);
  const bySp = new Map<string, MeterState[]>();
  for (const m of existing.rows) {
    const list = bySp.get(m.service_point_id) ?? [];
    list.push({
      id: Number(m.id),
      servicePoint: m.service_point_id,
      serial: m.serial,
      remote: m.remote_reading,
      installedOn: m.installed_on,
      startIndex: Number(m.start_index),
      removedOn: m.removed_on,
      removedIndex: m.removed_index === null ? null : Number(m.removed_index),
      digits: m.digits === null ? null : Number(m.digits),
      dirty: false,
    });
    bySp.set(m.service_point_id, list);
  }
  const inserted: MeterState[] = [];
  const readings: Array<{ meter: MeterState; reading: Omit<HistoryReading, "meterId"> }> = [];
  const audits: AuditEntry[] = [];
  const results: RowResult[] = new Array(rows.length);
  for (const i of decisionOrder(rows, (r) => r.removedOn !== null)) {
    const r = rows[i] as MeterRow;
    if (!points.has(r.servicePoint)) {
      results[i] = unknownServicePoint(r.servicePoint);
      continue;
    }
    let meters = bySp.get(r.servicePoint);
    if (!meters) {
      meters = [];
      bySp.set(r.servicePoint, meters);
    }
    results[i] = decide(r, meters, inserted, readings, audits);
  }
  // Removals first: the meter in place makes room before its successor is inserted (one in place at a time).
  const dirty = [...bySp.values()].flat().filter((m) => m.dirty && m.id !== null);
  if (dirty.length > 0) {
    await sql`
      update meters m set remote_reading = u.remote, installed_on = u.installed_on, start_index = u.start_index,
                          removed_on = u.removed_on, removed_index = u.removed_index, digits = u.digits
        from unnest(${dirty.map((m) => m.id)}::bigint[], ${dirty.map((m) => m.remote)}::boolean[],
                    ${dirty.map((m) => m.installedOn)}::date[], ${dirty.map((m) => m.startIndex)}::bigint[],
                    ${dirty.map((m) => m.removedOn)}::date[], ${dirty.map((m) => m.removedIndex)}::bigint[],
                    ${dirty.map((m) => m.digits)}::int[])
             as u(id, remote, installed_on, start_index, removed_on, removed_index, digits)
       where m.id = u.id`.execute(trx);
  }
  if (inserted.length > 0) {
    // Inserted in the array's order (unnest keeps it): the ids come back in it.
    const ids = await sql<{ id: number }>`
      insert into meters (service_point_id, serial, remote_reading, installed_on, start_index, removed_on,
                          removed_index, digits)
      select * from unnest(${inserted.map((m) => m.servicePoint)}::text[], ${inserted.map((m) => m.serial)}::text[],
                           ${inserted.map((m) => m.remote)}::boolean[], ${inserted.map((m) => m.installedOn)}::date[],
                           ${inserted.map((m) => m.startIndex)}::bigint[], ${inserted.map((m) => m.removedOn)}::date[],
                           ${inserted.map((m) => m.removedIndex)}::bigint[], ${inserted.map((m) => m.digits)}::int[])
      returning id`.execute(trx);
    ids.rows.forEach((row, k) => {
      (inserted[k] as MeterState).id = Number(row.id);
    });
  }
  await appendHistory(
    trx,
    ctx,
    readings.map(({ meter, reading: r }) => ({ ...r, meterId: meter.id })),
  );
  await auditAll(trx, ctx, audits);
  return results;
}
