/** The shapes the console reads from the API (docs/api.md). Only what the screens use. */

export interface SearchResult {
  /** How many of each kind matched, beyond the page shown. */
  totals: { servicePoints: number; people: number; cases: number };
  offset: number;
  limit: number;
  servicePoints: Array<{
    id: string;
    address: string;
    meterSerial: string | null;
    owner: string | null;
    /** The current subscriber, or null when vacant. */
    occupant: string | null;
    state: "OCCUPIED" | "VACANT";
    openCases: number;
  }>;
  people: Array<{
    id: string;
    name: string;
    email: string | null;
    role: string;
    servicePoint: string | null;
  }>;
  cases: Array<{
    id: string;
    type: string;
    status: string;
    servicePoint: string;
    entity: string;
    party: string | null;
    createdAt: string;
  }>;
}

export interface Reading {
  id: string;
  date: string;
  index: number;
  type: string;
  /** What the reading is now: VALID, SUSPECT or REPLACED. */
  status: string;
  statusAtEntry: string;
  usage: number | null;
  expected: { usage: [number, number]; index: [number, number] } | null;
  suggestedIndex: number | null;
  warnings: string[];
  replaces: string | null;
  reason: string | null;
  replacedBy: { reading: string; by: string; reason: string | null } | null;
  confirmation: { by: string; at: string | null; reason: string } | null;
  recordedAt: string;
  recordedBy: string;
  entity: string;
}

export interface Subscription {
  id: string;
  party: { id: string; name: string; email: string | null };
  start: { date: string; index: number; source: string };
  end: { date: string; index: number } | null;
  tags: string[];
  case: string | null;
  createdAt: string;
  createdBy: string;
  entity: string;
}

export interface Termination {
  date: string;
  index: number;
  source: "SUBSCRIPTION" | "READING";
  subscription: string | null;
}

export interface CaseListItem {
  id: string;
  type: string;
  status: string;
  entity: string;
  servicePoint: { id: string; address: string };
  party: { id: string; name: string | null } | null;
  subscription: string | null;
  nextTask: { kind: string; due: string } | null;
  /** What an open case waits for, by which team and since when (null once closed); overdue as the server counts it. */
  waiting: {
    what: string;
    team: "BO" | "EUROS";
    since: string;
    due: string | null;
    daysLeft: number | null;
    overdue: boolean;
  } | null;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
}

export interface Page<T> {
  total: number;
  items: T[];
}

export interface ServicePointView {
  id: string;
  address: string;
  owner: string | null;
  meter: { serial: string; remoteReading: boolean; digits: number | null; installedOn: string | null } | null;
  termination: Termination | null;
  currentSubscription: string | null;
  readings: Reading[];
  subscriptions: Subscription[];
  cases: Array<{
    id: string;
    type: string;
    status: string;
    entity: string;
    party: { id: string; name: string } | null;
    subscription: string | null;
    createdAt: string;
    closedAt: string | null;
  }>;
}

export interface Comment {
  id: number;
  body: string;
  at: string;
  author: string;
  entity: string;
}

export interface Task {
  id: string;
  kind: string;
  due: string;
  status: string;
  createdAt: string;
  closedAt: string | null;
  closedBy: string | null;
}

export interface Proof {
  id: string;
  kind: string;
  date: string | null;
  index: number | null;
  meterSerial: string | null;
  prescriptionInvoked: boolean;
  status: string;
  refusal: { code: string; reason: string | null } | null;
  file: { name: string | null; contentType: string | null; size: number | null; sha256: string } | null;
  receivedAt: string;
  receivedBy: string;
  entity: string;
}

export interface Intervention {
  id: string;
  kind: string;
  status: string;
  reported: { date: string; index: number | null; reading: string | null } | null;
  createdAt: string;
}

export interface CaseMessage {
  id: string;
  template: string;
  channel: string;
  status: string;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
}

export interface MoveInFacts {
  date: string;
  index: number | null;
  reconnection: boolean;
  proof: "WILL_SEND" | "NONE";
  /** NONE (no predecessor, no VALID reading): no index, the move-in's own date. */
  termination: { date: string; index: number | null; source: string; subscription: string | null };
  gap: number | null;
  proofRequested: boolean;
}

export interface CaseView {
  id: string;
  type: string;
  status: string;
  entity: string;
  /** The largest document the server accepts (proofs, documents at the counter), in bytes. */
  uploadMaxBytes: number;
  servicePoint: {
    id: string;
    address: string;
    owner: string | null;
    meterSerial: string | null;
    remoteReading: boolean;
  };
  party: {
    id: string;
    name: string;
    email: string | null;
    phone: string | null;
    address: string | null;
    role: string;
  } | null;
  subscription: {
    id: string;
    start: { date: string; index: number; source: string };
    end: { date: string; index: number } | null;
    tags: string[];
  } | null;
  moveIn: MoveInFacts | null;
  regularization: {
    motive: string;
    proof?: { id?: string; kind?: string; date: string | null; index: number | null };
    contest?: string;
    /** R9: the predecessor's termination (PREDECESSOR_OVERBILLED). */
    termination?: { date: string; index: number };
    /** R12: the start EUROS set when closing, and the one it replaced. */
    regularizedStart?: {
      from: { date: string; index: number; source: string };
      to: { date: string; index: number };
    };
  } | null;
  contest: string | null;
  /** The contest an INT_EUROS case was opened on: the customer's words and the back office's answer. */
  contestDetail: {
    id: string;
    reason: string;
    status: string;
    answer: string | null;
    answeredAt: string | null;
    proof: { kind?: string; date: string | null; index: number | null } | null;
    createdAt: string;
    createdBy: string;
    entity: string;
  } | null;
  relatedCases: Array<{ id: string; type: string; status: string }>;
  createdAt: string;
  createdBy: string;
  closedAt: string | null;
  closedBy: string | null;
  comments: Comment[];
  tasks: Task[];
  proofs: Proof[];
  interventions: Intervention[];
  communications: CaseMessage[];
}

export interface Message {
  id: string;
  template: string;
  channel: string;
  recipient: string;
  to: string;
  case: string | null;
  servicePoint: string | null;
  contest: string | null;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface Contest {
  id: string;
  subscription: string;
  servicePoint: string;
  euros: boolean;
  party: string;
  reason: string;
  status: string;
  answer: string | null;
  regularizationCase: string | null;
  proof: { date: string; index?: number | null; kind?: string | null } | null;
  createdAt: string;
  createdBy: string;
  entity: string;
  answeredAt: string | null;
}

export interface CommandResult {
  outcome: string;
  case?: string | null;
  subscription?: string | null;
  reading?: string | null;
  contest?: string | null;
  proof?: string | null;
  duplicate?: boolean;
}

export type MoveInPath =
  | "SUBSCRIBE_DECLARED"
  | "SUBSCRIBE_PREDECESSOR"
  | "CASE_AWAIT_PROOF"
  | "CASE_AWAIT_VISIT"
  | "CASE_NO_PROOF_BO";

/** What the history says of an index (SPEC §4), as the move-in and reading checks answer it. */
export interface Plausibility {
  status: "VALID" | "SUSPECT";
  warnings: string[];
  usage: number | null;
  expected: { usage: [number, number]; index: [number, number] } | null;
  suggestedIndex: number | null;
}

/** POST /api/service-points/:id/readings/check: the reading's plausibility, nothing written. */
export interface ReadingCheck extends Plausibility {
  index: number;
}

export interface MoveInCheck {
  servicePoint: { id: string; address: string; meterSerial: string | null };
  termination: (Termination & { status: string | null }) | null;
  declared: { date: string; index: number | null };
  gap: { value: number; direction: "ABOVE" | "BELOW" | "NONE"; withinTolerance: boolean } | null;
  toleranceM3: number;
  path: MoveInPath;
  subscribesNow: boolean;
  opensCase: string | null;
  proofDueDate: string | null;
  declaredPlausibility: Plausibility | null;
  warnings: string[];
  duplicateOf: { subscription: string | null; case: string | null } | null;
  tellCustomer: string[];
}

/** POST /api/cases/:id/proofs/check: what receiveProof would do with this proof, nothing written. */
export interface ProofCheck {
  path: "SUBSCRIBE" | "COMPLEMENT" | "REFUSED" | "LATE";
  kind: string;
  date: string;
  index: number | null;
  document: { id: string; kind: string; receivedOn: string } | null;
  refusal: { code: string; message: string } | null;
  start: { date: string; index: number; source: string } | null;
  prescribed: string | null;
  reading: { date: string; index: number } | null;
  termination: { date: string; index: number | null };
  gap: {
    indexAtProof: number;
    indexSource: "PROOF" | "REMOTE";
    value: number;
    finding: "INTERMEDIATE" | "PREDECESSOR_OVERBILLED" | "NONE";
  } | null;
  intermediateConsumption: boolean;
  opensEurosCase: { lateProof: boolean; predecessorOverbilled: boolean };
  closesCase: boolean;
  toleranceM3: number;
  prescriptionYears: number;
  maxUploadBytes: number;
  tone: "ok" | "warn" | "bad" | "info";
  /** The answer in the advisor's words, with the case's figures and the figures in force. */
  lines: string[];
}

/** A document handed in at the counter (R19), as GET /api/cases/:id/documents lists it. */
export interface CaseDocument {
  id: string;
  kind: string;
  receivedOn: string;
  fileName: string | null;
  size: number | null;
  /** The proof it became once BO processed it, or null. */
  proof: string | null;
}

/** An account as GET /api/accounts lists it (ADMIN). */
export interface AccountRow {
  username: string;
  role: string;
  entity: string;
  /** False once an administrator disabled it: no login, its sessions closed, its tokens refused. */
  active: boolean;
  createdAt: string;
}
