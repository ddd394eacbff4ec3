/**
 * The API's answers, declared once: the routes validate and serialise with these zod schemas, the views
 * return their types, and the console imports the types (`import type` only, so that its bundle takes
 * nothing from the server). Imports zod and the rules' own lists of values (pure modules), nothing else.
 */
import { z } from "zod";
import { MOVE_IN_PATHS } from "../move-in/rules/move-in-path.js";

const nullableStr = z.string().nullable();
/** A page of a list: how many in all, and this page's items. */
const pageOut = <T extends z.ZodType>(item: T) => z.object({ total: z.number(), items: z.array(item) });
const range = z.tuple([z.number(), z.number()]);
const datedIndex = z.object({ date: z.string(), index: z.number() });
const start = z.object({ date: z.string(), index: z.number(), source: z.string() });

export const roleEnum = z.enum(["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN", "INTEGRATION"]);

export const accountOut = z.object({ username: z.string(), role: roleEnum, entity: z.string() });

export const meOut = accountOut.extend({
  authVia: z.enum(["cookie", "bearer"]),
  /** The password was set by someone else: the console shows « Mon mot de passe » only until it is changed. */
  mustChangePassword: z.boolean(),
  permissions: z.object({
    commands: z.array(z.string()),
    read: z.boolean(),
    reports: z.boolean(),
    admin: z.boolean(),
    outboxRetry: z.boolean(),
  }),
});

/** An account as GET /api/accounts lists it (ADMIN); `active` false once an administrator disabled it. */
export const accountRowOut = accountOut.extend({ active: z.boolean(), createdAt: z.string() });

/** A command's answer: its outcome and what it created or acted on (SPEC §7), plus details. */
export const commandOut = z.looseObject({
  outcome: z.string(),
  case: z.string().nullish(),
  subscription: z.string().nullish(),
  reading: z.string().nullish(),
  contest: z.string().nullish(),
  proof: z.string().nullish(),
  duplicate: z.boolean().optional(),
});

/** What the history says of an index (SPEC §4), as the move-in and reading checks answer it. */
export const plausibilityOut = z.object({
  status: z.enum(["VALID", "SUSPECT"]),
  warnings: z.array(z.string()),
  usage: z.number().nullable(),
  expected: z.object({ usage: range, index: range }).nullable(),
  suggestedIndex: z.number().nullable(),
});

/** POST /api/service-points/:id/readings/check: the reading's plausibility, nothing written. */
export const readingCheckOut = plausibilityOut.extend({ index: z.number() });

export const readingOut = z.object({
  id: z.string(),
  date: z.string(),
  index: z.number(),
  type: z.string(),
  /** What the reading is now. */
  status: z.enum(["VALID", "SUSPECT", "REPLACED"]),
  statusAtEntry: z.string(),
  usage: z.number().nullable(),
  expected: z.object({ usage: range, index: range }).nullable(),
  warnings: z.array(z.string()),
  suggestedIndex: z.number().nullable(),
  replaces: nullableStr,
  reason: nullableStr,
  replacedBy: z.object({ reading: z.string(), by: nullableStr, reason: nullableStr }).nullable(),
  confirmation: z.object({ by: z.string(), at: nullableStr, reason: nullableStr }).nullable(),
  recordedAt: z.string(),
  recordedBy: z.string(),
  entity: z.string(),
});

export const terminationOut = z.object({
  date: z.string(),
  index: z.number(),
  source: z.string(),
  subscription: nullableStr,
});

export const subscriptionOut = z.object({
  id: z.string(),
  party: z.object({ id: z.string(), name: z.string(), email: nullableStr }),
  start,
  end: datedIndex.nullable(),
  tags: z.array(z.string()),
  case: nullableStr,
  createdAt: z.string(),
  createdBy: z.string(),
  entity: z.string(),
});

export const servicePointOut = z.object({
  id: z.string(),
  address: z.string(),
  owner: nullableStr,
  meter: z
    .object({
      serial: z.string(),
      remoteReading: z.boolean(),
      digits: z.number().nullable(),
      installedOn: nullableStr,
    })
    .nullable(),
  meters: z.array(
    z.object({
      serial: z.string(),
      remoteReading: z.boolean(),
      installedOn: nullableStr,
      removedOn: nullableStr,
    }),
  ),
  termination: terminationOut.nullable(),
  currentSubscription: nullableStr,
  readings: z.array(readingOut),
  subscriptions: z.array(subscriptionOut),
  cases: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      status: z.string(),
      entity: z.string(),
      party: z.object({ id: z.string(), name: nullableStr }).nullable(),
      subscription: nullableStr,
      createdAt: z.string(),
      closedAt: nullableStr,
    }),
  ),
});

export const searchOut = z.object({
  /** How many of each kind matched, beyond the page shown. */
  totals: z.object({ servicePoints: z.number(), people: z.number(), cases: z.number() }),
  offset: z.number(),
  limit: z.number(),
  servicePoints: z.array(
    z.object({
      id: z.string(),
      address: z.string(),
      owner: nullableStr,
      meterSerial: nullableStr,
      /** The current subscriber, or null when vacant. */
      occupant: nullableStr,
      state: z.enum(["OCCUPIED", "VACANT"]),
      openCases: z.number(),
    }),
  ),
  people: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      email: nullableStr,
      role: z.string(),
      servicePoint: nullableStr,
    }),
  ),
  cases: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      status: z.string(),
      entity: z.string(),
      servicePoint: z.string(),
      party: nullableStr,
      createdAt: z.string(),
    }),
  ),
});

export const caseListItemOut = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  entity: z.string(),
  servicePoint: z.object({ id: z.string(), address: z.string() }),
  party: z.object({ id: z.string(), name: nullableStr }).nullable(),
  subscription: nullableStr,
  nextTask: z.object({ kind: z.string(), due: z.string() }).nullable(),
  /** What an open case waits for, by which team and since when (null once closed); overdue as the server counts it. */
  waiting: z
    .object({
      what: z.string(),
      team: z.enum(["BO", "EUROS"]),
      since: z.string(),
      due: nullableStr,
      daysLeft: z.number().nullable(),
      overdue: z.boolean(),
      /** Due within DUE_SOON_DAYS and not overdue (isDueSoon): the queue warns of it. */
      dueSoon: z.boolean(),
    })
    .nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  closedAt: nullableStr,
});

/** A page of cases; `overdue`: how many of the whole filter's are overdue (isOverdue), as `total` counts them all. */
export const caseListOut = pageOut(caseListItemOut).extend({ overdue: z.number() });

/** What a move-in case remembers of the request and of the check that opened it. */
export const moveInFactsOut = z.object({
  date: z.string(),
  index: z.number().nullable(),
  reconnection: z.boolean(),
  proof: z.enum(["WILL_SEND", "NONE"]),
  /** NONE (no predecessor, no VALID reading): no index, the move-in's own date. */
  termination: z.object({
    date: z.string(),
    index: z.number().nullable(),
    source: z.enum(["SUBSCRIPTION", "READING", "NONE"]),
    subscription: nullableStr,
  }),
  gap: z.number().nullable(),
  proofRequested: z.boolean(),
});

/** What an INT_EUROS case carries for the EUROS service (its motive, the proof, R9's termination, R12, R16). */
export const regularizationOut = z.object({
  motive: z.enum([
    "LATE_PROOF",
    "CONTEST",
    "CONTEST_WITH_PROOF",
    "PREDECESSOR_OVERBILLED",
    "TERMINATION_CORRECTED",
  ]),
  proof: z
    .object({
      id: z.string().optional(),
      kind: z.string().optional(),
      date: nullableStr,
      index: z.number().nullable(),
    })
    .optional(),
  contest: z.string().optional(),
  /** R9: the predecessor's termination (PREDECESSOR_OVERBILLED). */
  termination: datedIndex.optional(),
  /** R16: the termination reading corrected, its old and its corrected index. */
  correction: z
    .object({ reading: z.string(), date: z.string(), oldIndex: z.number(), newIndex: z.number() })
    .optional(),
  /** R12: the start EUROS set when closing, and the one it replaced. */
  regularizedStart: z.object({ from: start, to: datedIndex }).optional(),
});

/** A contest's proof, as the customer gave it. */
const contestProof = z.object({
  kind: z.string().optional(),
  date: nullableStr,
  index: z.number().nullable(),
});

export const proofOut = z.object({
  id: z.string(),
  kind: z.string(),
  date: nullableStr,
  index: z.number().nullable(),
  meterSerial: nullableStr,
  prescriptionInvoked: z.boolean(),
  status: z.string(),
  refusal: z.object({ code: z.string(), reason: nullableStr }).nullable(),
  file: z
    .object({ name: nullableStr, contentType: nullableStr, size: z.number().nullable(), sha256: z.string() })
    .nullable(),
  receivedAt: z.string(),
  receivedBy: z.string(),
  entity: z.string(),
});

export const caseOut = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  entity: z.string(),
  /** The largest document the server accepts (proofs, documents at the counter), in bytes. */
  uploadMaxBytes: z.number(),
  servicePoint: z.object({
    id: z.string(),
    address: z.string(),
    owner: nullableStr,
    meterSerial: nullableStr,
    remoteReading: z.boolean(),
  }),
  party: z
    .object({
      id: z.string(),
      name: z.string(),
      email: nullableStr,
      phone: nullableStr,
      address: nullableStr,
      role: z.string(),
    })
    .nullable(),
  subscription: z
    .object({ id: z.string(), start, end: datedIndex.nullable(), tags: z.array(z.string()) })
    .nullable(),
  moveIn: moveInFactsOut.nullable(),
  regularization: regularizationOut.nullable(),
  contest: nullableStr,
  /** The contest an INT_EUROS case was opened on: the customer's words and the back office's answer. */
  contestDetail: z
    .object({
      id: z.string(),
      reason: z.string(),
      status: z.string(),
      answer: nullableStr,
      answeredAt: nullableStr,
      proof: contestProof.nullable(),
      createdAt: z.string(),
      createdBy: z.string(),
      entity: z.string(),
    })
    .nullable(),
  relatedCases: z.array(z.object({ id: z.string(), type: z.string(), status: z.string() })),
  createdAt: z.string(),
  createdBy: z.string(),
  closedAt: nullableStr,
  closedBy: nullableStr,
  comments: z.array(
    z.object({ id: z.number(), body: z.string(), at: z.string(), author: z.string(), entity: z.string() }),
  ),
  tasks: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      due: z.string(),
      status: z.string(),
      /** An open task whose due day is behind the server's today (R8's deadline passed). */
      overdue: z.boolean(),
      createdAt: z.string(),
      closedAt: nullableStr,
      closedBy: nullableStr,
    }),
  ),
  proofs: z.array(proofOut),
  interventions: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      status: z.string(),
      reported: z.object({ date: z.string(), index: z.number().nullable(), reading: nullableStr }).nullable(),
      createdAt: z.string(),
    }),
  ),
  communications: z.array(
    z.object({
      id: z.string(),
      template: z.string(),
      channel: z.string(),
      status: z.string(),
      attempts: z.number(),
      createdAt: z.string(),
      sentAt: nullableStr,
    }),
  ),
});

export const moveInPathEnum = z.enum(MOVE_IN_PATHS);

/** POST /api/move-ins/check: what a move-in would do (R1–R5), nothing written. */
export const moveInCheckOut = z.object({
  servicePoint: z.object({ id: z.string(), address: z.string(), meterSerial: nullableStr }),
  termination: terminationOut.extend({ status: z.enum(["VALID", "SUSPECT"]) }).nullable(),
  declared: z.object({ date: z.string(), index: z.number().nullable() }),
  gap: z
    .object({
      value: z.number(),
      direction: z.enum(["ABOVE", "BELOW", "NONE"]),
      withinTolerance: z.boolean(),
    })
    .nullable(),
  toleranceM3: z.number(),
  path: moveInPathEnum,
  subscribesNow: z.boolean(),
  opensCase: z.enum(["ARR_SPECIAL", "ARR_INTERVENTION"]).nullable(),
  proofDueDate: nullableStr,
  declaredPlausibility: plausibilityOut.nullable(),
  warnings: z.array(z.string()),
  duplicateOf: z.object({ subscription: nullableStr, case: nullableStr }).nullable(),
  tellCustomer: z.array(z.string()),
});

/** POST /api/cases/:id/proofs/check: what receiveProof would do with this proof, nothing written. */
export const proofCheckOut = z.object({
  path: z.enum(["SUBSCRIBE", "COMPLEMENT", "REFUSED", "LATE"]),
  kind: z.string(),
  date: z.string(),
  index: z.number().nullable(),
  document: z.object({ id: z.string(), kind: z.string(), receivedOn: z.string() }).nullable(),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
  start: start.nullable(),
  prescribed: nullableStr,
  reading: datedIndex.nullable(),
  termination: z.object({ date: z.string(), index: z.number().nullable() }),
  gap: z
    .object({
      indexAtProof: z.number(),
      indexSource: z.enum(["PROOF", "REMOTE"]),
      value: z.number(),
      finding: z.enum(["INTERMEDIATE", "PREDECESSOR_OVERBILLED", "NONE"]),
    })
    .nullable(),
  intermediateConsumption: z.boolean(),
  opensEurosCase: z.object({ lateProof: z.boolean(), predecessorOverbilled: z.boolean() }),
  closesCase: z.boolean(),
  toleranceM3: z.number(),
  prescriptionYears: z.number(),
  maxUploadBytes: z.number(),
  tone: z.enum(["ok", "warn", "bad", "info"]),
  /** The answer in the advisor's words, with the case's figures and the figures in force. */
  lines: z.array(z.string()),
});

export const contestOut = z.object({
  id: z.string(),
  subscription: z.string(),
  servicePoint: z.string(),
  euros: z.boolean(),
  party: z.string(),
  reason: z.string(),
  status: z.string(),
  answer: nullableStr,
  regularizationCase: nullableStr,
  proof: contestProof.nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  entity: z.string(),
  answeredAt: nullableStr,
});

export const contestListOut = pageOut(contestOut);

/** A message of the outbox; `failureLabel` is its failure in the advisor's words. */
export const messageOut = z.object({
  id: z.string(),
  template: z.string(),
  channel: z.string(),
  recipient: z.string(),
  to: z.string(),
  case: nullableStr,
  servicePoint: nullableStr,
  contest: nullableStr,
  status: z.string(),
  attempts: z.number(),
  nextAttemptAt: nullableStr,
  lastError: nullableStr,
  failure: nullableStr,
  failureLabel: nullableStr,
  createdAt: z.string(),
  sentAt: nullableStr,
});

export const outboxOut = pageOut(messageOut);

/** A document handed in at the counter (R19), as GET /api/cases/:id/documents lists it. */
export const caseDocumentOut = z.object({
  id: z.string(),
  kind: z.string(),
  receivedOn: z.string(),
  fileName: nullableStr,
  contentType: nullableStr,
  size: z.number().nullable(),
  attachedAt: z.string(),
  attachedBy: z.string(),
  entity: z.string(),
  /** The proof it became once BO processed it, or null. */
  proof: nullableStr,
});

/** R13 GET /api/reports/cases-by-entity: one row per entity, type and status. */
export const casesByEntityOut = z.object({
  items: z.array(z.object({ entity: z.string(), type: z.string(), status: z.string(), count: z.number() })),
});

export const newCustomerOut = z.object({
  subscription: z.string(),
  party: z.string(),
  name: z.string(),
  servicePoint: z.string(),
  address: z.string(),
  startDate: z.string(),
  startIndex: z.number(),
  source: z.string(),
  entity: z.string(),
  case: nullableStr,
  createdAt: z.string(),
});

/** R13 GET /api/reports/new-customers: a page, with the whole filter's count by start source. */
export const newCustomersOut = z.object({
  total: z.number(),
  bySource: z.array(z.object({ source: z.string(), count: z.number() })),
  items: z.array(newCustomerOut),
});

export const intermediateRowOut = z.object({
  servicePoint: z.string(),
  address: z.string(),
  owner: nullableStr,
  case: z.string(),
  entity: z.string(),
  predecessorTermination: datedIndex,
  newStart: datedIndex,
  subscription: z.string(),
  volume: z.number(),
  from: z.string(),
  to: z.string(),
});

/** R13 GET /api/reports/intermediate-consumption: a page, with the whole filter's volume. */
export const intermediateOut = z.object({
  total: z.number(),
  volume: z.number(),
  items: z.array(intermediateRowOut),
});

/** GET /api/reports/freshness: where the reports read (issue 18 point 4) and the replica's lag in seconds. */
export const reportsFreshnessOut = z.object({
  source: z.enum(["primary", "replica"]),
  lagSeconds: z.number().nullable(),
});

/** An API token as the server lists it (ADMIN): never its secret nor its digest. */
export const tokenOut = z.object({
  id: z.number(),
  label: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  /** Refused from then on; null: until revoked. */
  expiresAt: z.string().nullable(),
});

/** A webhook endpoint (ADMIN): where it is in the event log, its last delivery. */
export const endpointOut = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  active: z.boolean(),
  deliveredPosition: z.number(),
  pending: z.number(),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  disabledAt: z.string().nullable(),
});
/** One delivery attempt of an event to an endpoint. */
export const attemptOut = z.object({
  eventPosition: z.number(),
  eventId: z.string(),
  attempt: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  outcome: z.enum(["DELIVERED", "FAILED", "INTERRUPTED"]).nullable(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
});

export type Me = z.output<typeof meOut>;
export type AccountRow = z.output<typeof accountRowOut>;
export type CommandResult = z.output<typeof commandOut>;
export type Plausibility = z.output<typeof plausibilityOut>;
export type ReadingCheck = z.output<typeof readingCheckOut>;
export type Reading = z.output<typeof readingOut>;
export type Termination = z.output<typeof terminationOut>;
export type Subscription = z.output<typeof subscriptionOut>;
export type ServicePointView = z.output<typeof servicePointOut>;
export type SearchResult = z.output<typeof searchOut>;
export type CaseListItem = z.output<typeof caseListItemOut>;
export type CaseList = z.output<typeof caseListOut>;
export type MoveInFacts = z.output<typeof moveInFactsOut>;
export type Proof = z.output<typeof proofOut>;
export type CaseView = z.output<typeof caseOut>;
/** GET /api/cases/:id without `uploadMaxBytes`, which the route adds. */
export type CaseDetail = Omit<CaseView, "uploadMaxBytes">;
export type MoveInPath = z.output<typeof moveInPathEnum>;
export type MoveInCheck = z.output<typeof moveInCheckOut>;
export type ProofCheck = z.output<typeof proofCheckOut>;
export type Contest = z.output<typeof contestOut>;
export type ContestList = z.output<typeof contestListOut>;
export type Message = z.output<typeof messageOut>;
export type Outbox = z.output<typeof outboxOut>;
export type CaseDocument = z.output<typeof caseDocumentOut>;
export type CasesByEntity = z.output<typeof casesByEntityOut>;
export type NewCustomers = z.output<typeof newCustomersOut>;
export type IntermediateConsumption = z.output<typeof intermediateOut>;
export type ReportsFreshness = z.output<typeof reportsFreshnessOut>;
export type ApiToken = z.output<typeof tokenOut>;
export type WebhookEndpoint = z.output<typeof endpointOut>;
export type WebhookAttempt = z.output<typeof attemptOut>;
