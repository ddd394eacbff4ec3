/** The whole database as SPEC §7's output arrays: what a scenario run prints after its steps. */
import type { Database } from "../platform/db.js";
import { casesByEntity, intermediateConsumption, newCustomers } from "../reports/queries.js";

/** Who set up the objects of a scenario's `given` (runner.ts). */
const GIVEN_BY = "given";

export async function dumpState(db: Database) {
  const k = db.kysely;
  const [parties, subs, cases, comments, tasks, interventions, comms, readings, contests, proofs] =
    await Promise.all([
      k.selectFrom("parties").selectAll().orderBy("created_at").orderBy("id").execute(),
      k.selectFrom("subscriptions").selectAll().orderBy("created_at").orderBy("id").execute(),
      k.selectFrom("cases").selectAll().orderBy("id").execute(),
      k.selectFrom("case_comments").selectAll().orderBy("id").execute(),
      k.selectFrom("tasks").selectAll().orderBy("id").execute(),
      k.selectFrom("interventions").selectAll().orderBy("id").execute(),
      k.selectFrom("communications").selectAll().orderBy("id").execute(),
      k
        .selectFrom("reading_states")
        .selectAll()
        .orderBy("service_point_id")
        .orderBy("reading_date")
        .orderBy("id")
        .execute(),
      k.selectFrom("contests").selectAll().orderBy("id").execute(),
      k
        .selectFrom("proofs")
        .select(["id", "case_id", "kind", "doc_date", "doc_index", "status", "refusal_code"])
        .orderBy("id")
        .execute(),
    ]);
  return {
    parties: parties.map((p) => ({ id: p.id, name: p.name, email: p.email, role: p.role })),
    subscriptions: subs.map((s) => ({
      id: s.id,
      servicePoint: s.service_point_id,
      customer: s.party_id,
      start: { date: s.start_date, index: s.start_index, source: s.start_source },
      end: s.end_date ? { date: s.end_date, index: s.end_index } : null,
      tags: s.tags,
      case: s.case_id,
      // SPEC §7: the entity it counts for in the reports; null for the objects of `given`.
      entity: s.created_by === GIVEN_BY ? null : s.entity,
    })),
    cases: cases.map((c) => ({
      id: c.id,
      type: c.type,
      status: c.status,
      entity: c.entity,
      servicePoint: c.service_point_id,
      party: c.party_id,
      subscription: c.subscription_id,
      relatedCase: c.related_case_id,
      contest: c.contest_id,
      regularization: c.regularization,
      comments: comments.filter((m) => m.case_id === c.id).map((m) => m.body),
      tasks: tasks
        .filter((t) => t.case_id === c.id)
        .map((t) => ({ id: t.id, kind: t.kind, due: t.due_date, status: t.status })),
      proofs: proofs
        .filter((p) => p.case_id === c.id)
        .map((p) => ({
          id: p.id,
          kind: p.kind,
          date: p.doc_date,
          index: p.doc_index,
          status: p.status,
          refusal: p.refusal_code,
        })),
    })),
    interventions: interventions.map((i) => ({
      id: i.id,
      case: i.case_id,
      kind: i.kind,
      status: i.status,
      date: i.reported_date,
      index: i.reported_index,
    })),
    communications: comms.map((m) => ({
      id: m.id,
      template: m.template,
      channel: m.channel,
      to: m.to_address,
      case: m.case_id,
      contest: m.contest_id,
      status: m.status,
    })),
    readings: readings.map((r) => ({
      id: r.id,
      servicePoint: r.service_point_id,
      date: r.reading_date,
      index: r.index_m3,
      type: r.type,
      status: r.effective_status,
      warnings: r.warnings,
      usage: r.usage_m3,
      expected:
        r.expected_usage_lo === null
          ? null
          : {
              usage: [r.expected_usage_lo, r.expected_usage_hi],
              index: [r.expected_index_lo, r.expected_index_hi],
            },
      suggestedIndex: r.suggested_index,
      replaces: r.replaces_id,
      reason: r.reason,
    })),
    contests: contests.map((c) => ({
      id: c.id,
      subscription: c.subscription_id,
      status: c.status,
      regularizationCase: c.regularization_case_id,
    })),
    reports: {
      intermediateConsumption: await intermediateConsumption(k),
      casesByEntity: await casesByEntity(k),
      newCustomers: (await newCustomers(k)).map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })),
    },
  };
}
