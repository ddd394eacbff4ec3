/** A service point as advisors see it: meter, reading history with plausibility, occupants, cases. Queries only. */

import { terminationOf } from "../../move-in/store.js";
import type { Database } from "../../platform/db.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { ServicePointView } from "../api-shapes.js";
import { iso, readOnly } from "./common.js";

export async function servicePointDetail(db: Database, id: string): Promise<ServicePointView> {
  return readOnly(db, async (trx) => {
    const sp = await trx
      .selectFrom("service_points")
      .select(["id", "address", "owner_name"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!sp) {
      throw new EcartError(
        ErrorCode.UNKNOWN_SERVICE_POINT,
        `Point de desserte inconnu : ${id}.`,
        `unknown service point ${id}`,
        "servicePoint",
      );
    }
    const meters = await trx
      .selectFrom("meters")
      .select(["id", "serial", "remote_reading", "digits", "installed_on", "removed_on"])
      .where("service_point_id", "=", id)
      .orderBy("id")
      .execute();
    const readings = await trx
      .selectFrom("reading_states as r")
      .leftJoin("reading_confirmations as k", "k.reading_id", "r.id")
      .leftJoin("readings as n", "n.replaces_id", "r.id")
      .select([
        "r.id",
        "r.reading_date",
        "r.index_m3",
        "r.type",
        "r.status",
        "r.effective_status",
        "r.usage_m3",
        "r.expected_usage_lo",
        "r.expected_usage_hi",
        "r.expected_index_lo",
        "r.expected_index_hi",
        "r.suggested_index",
        "r.warnings",
        "r.replaces_id",
        "r.reason",
        "r.recorded_at",
        "r.recorded_by",
        "r.entity",
        "r.meter_id",
        "k.reason as confirmReason",
        "k.confirmed_by",
        "k.confirmed_at",
        "n.id as replacedBy",
        "n.recorded_by as replacedByUser",
        "n.reason as replacedReason",
      ])
      .where("r.service_point_id", "=", id)
      .orderBy("r.reading_date", "desc")
      .orderBy("r.id", "desc")
      .execute();
    const subscriptions = await trx
      .selectFrom("subscriptions as s")
      .innerJoin("parties as p", "p.id", "s.party_id")
      .select([
        "s.id",
        "s.party_id",
        "p.name",
        "p.email",
        "s.start_date",
        "s.start_index",
        "s.start_source",
        "s.end_date",
        "s.end_index",
        "s.tags",
        "s.case_id",
        "s.created_at",
        "s.created_by",
        "s.entity",
      ])
      .where("s.service_point_id", "=", id)
      .orderBy("s.start_date", "desc")
      .orderBy("s.created_at", "desc")
      .execute();
    const cases = await trx
      .selectFrom("cases as c")
      .leftJoin("parties as p", "p.id", "c.party_id")
      .select([
        "c.id",
        "c.type",
        "c.status",
        "c.entity",
        "c.party_id",
        "p.name",
        "c.subscription_id",
        "c.created_at",
        "c.closed_at",
      ])
      .where("c.service_point_id", "=", id)
      .orderBy("c.created_at", "desc")
      .execute();
    const termination = await terminationOf(trx, id);
    const current = subscriptions.find((s) => s.end_date === null) ?? null;
    return {
      id: sp.id,
      address: sp.address,
      owner: sp.owner_name,
      meter: (() => {
        const m = meters.find((x) => x.removed_on === null);
        return m
          ? {
              serial: m.serial,
              remoteReading: m.remote_reading,
              digits: m.digits,
              installedOn: m.installed_on,
            }
          : null;
      })(),
      meters: meters.map((m) => ({
        serial: m.serial,
        remoteReading: m.remote_reading,
        installedOn: m.installed_on,
        removedOn: m.removed_on,
      })),
      termination,
      currentSubscription: current?.id ?? null,
      readings: readings.map((r) => ({
        id: r.id,
        date: r.reading_date,
        index: r.index_m3,
        type: r.type,
        status: r.effective_status,
        statusAtEntry: r.status,
        usage: r.usage_m3,
        expected:
          r.expected_usage_lo === null
            ? null
            : {
                usage: [r.expected_usage_lo, r.expected_usage_hi as number] as [number, number],
                index: [r.expected_index_lo as number, r.expected_index_hi as number] as [number, number],
              },
        warnings: r.warnings,
        suggestedIndex: r.suggested_index,
        replaces: r.replaces_id,
        reason: r.reason,
        replacedBy: r.replacedBy
          ? { reading: r.replacedBy, by: r.replacedByUser, reason: r.replacedReason }
          : null,
        confirmation: r.confirmed_by
          ? { by: r.confirmed_by, at: iso(r.confirmed_at), reason: r.confirmReason }
          : null,
        recordedAt: iso(r.recorded_at) as string,
        recordedBy: r.recorded_by,
        entity: r.entity,
      })),
      subscriptions: subscriptions.map((s) => ({
        id: s.id,
        party: { id: s.party_id, name: s.name, email: s.email },
        start: { date: s.start_date, index: s.start_index, source: s.start_source },
        end: s.end_date === null ? null : { date: s.end_date, index: s.end_index as number },
        tags: s.tags,
        case: s.case_id,
        createdAt: iso(s.created_at) as string,
        createdBy: s.created_by,
        entity: s.entity,
      })),
      cases: cases.map((c) => ({
        id: c.id,
        type: c.type,
        status: c.status,
        entity: c.entity,
        party: c.party_id ? { id: c.party_id, name: c.name } : null,
        subscription: c.subscription_id,
        createdAt: iso(c.created_at) as string,
        closedAt: iso(c.closed_at),
      })),
    };
  });
}
