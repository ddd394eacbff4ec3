/** Kysely's view of the tables (src/platform/migrations). Keep in step with the SQL. */
import type { ColumnType, Generated } from "kysely";

/** A jsonb column: written as a JSON string or value, read back as an object. */
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;
/** A timestamptz column: read back as a Date, written as a Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A date column: read and written as YYYY-MM-DD. */
export type DateOnly = string;

export interface ServicePointTable {
  id: string;
  address: string;
  owner_name: string | null;
  created_at: Generated<Timestamp>;
}

/** Derived (migration 950): what the move-in check reads of a service point, kept by triggers; never written here. */
export interface ServicePointFactsTable {
  service_point_id: ColumnType<string, never, never>;
  address: ColumnType<string, never, never>;
  owner_name: ColumnType<string | null, never, never>;
  predecessor: ColumnType<unknown, never, never>;
  meters: ColumnType<unknown, never, never>;
}

export interface MeterTable {
  id: Generated<number>;
  service_point_id: string;
  serial: string;
  remote_reading: Generated<boolean>;
  digits: number | null;
  start_index: Generated<number>;
  installed_on: DateOnly | null;
  removed_on: DateOnly | null;
  /** 600_integration: the index at removal, as the CIS gives it (the removal reading holds it too). */
  removed_index: number | null;
  created_at: Generated<Timestamp>;
}

export type PartyRole = "PROSPECT" | "SUBSCRIBER";
export interface PartyTable {
  id: Generated<string>;
  name: string;
  email: string | null;
  phone: string | null;
  postal_address: string | null;
  role: PartyRole;
  created_at: Timestamp;
}

export type StartSource =
  | "DECLARED"
  | "PROOF"
  | "PROOF_DATE_PREDECESSOR_INDEX"
  | "PROOF_DATE_REMOTE_INDEX"
  | "PREDECESSOR"
  | "PRESCRIPTION"
  | "INTERVENTION"
  | "MUTATION"
  | "REGULARIZED";

export interface SubscriptionTable {
  id: Generated<string>;
  service_point_id: string;
  party_id: string;
  start_date: DateOnly;
  start_index: number;
  start_source: StartSource;
  end_date: DateOnly | null;
  end_index: number | null;
  tags: Generated<string[]>;
  case_id: string | null;
  created_at: Timestamp;
  created_by: string;
  entity: string;
}

export type CaseType = "ARR_SPECIAL" | "ARR_INTERVENTION" | "INT_EUROS";
export type CaseStatus = "OPEN" | "CLOSED";

/** A termination a move-in is compared with: the predecessor's, or the last VALID reading standing in (SPEC §6). */
export interface KnownTermination {
  date: string;
  index: number;
  source: "SUBSCRIPTION" | "READING";
  subscription: string | null;
}

/** Nothing to compare a move-in with (no predecessor, no VALID reading): no index, the move-in's own date. */
export interface NoTermination {
  date: string;
  index: null;
  source: "NONE";
  subscription: null;
}

/** What a move-in case remembers of the request and of the check that opened it. */
export interface MoveInFacts {
  date: string;
  index: number | null;
  reconnection: boolean;
  proof: "WILL_SEND" | "NONE";
  /**
   * What the move-in is compared with (SPEC §6): the predecessor's termination, or the last VALID reading;
   * with neither (`NONE`), no index (null) and the move-in's own date.
   */
  termination: KnownTermination | NoTermination;
  gap: number | null;
  proofRequested: boolean;
}

/** What an INT_EUROS case carries for the EUROS service. */
export interface RegularizationFacts {
  /**
   * LATE_PROOF (R12), CONTEST / CONTEST_WITH_PROOF (R11), PREDECESSOR_OVERBILLED (R9: a proof below the
   * termination, on the predecessor's subscription), TERMINATION_CORRECTED (R16: started at a corrected index).
   */
  motive:
    | "LATE_PROOF"
    | "CONTEST"
    | "CONTEST_WITH_PROOF"
    | "PREDECESSOR_OVERBILLED"
    | "TERMINATION_CORRECTED";
  proof?: { id?: string; kind?: string; date: string | null; index: number | null };
  contest?: string;
  /** The predecessor's termination the case is about (PREDECESSOR_OVERBILLED). */
  termination?: { date: string; index: number };
  /** R16: the termination reading corrected, its old and its corrected index. */
  correction?: { reading: string; date: string; oldIndex: number; newIndex: number };
  /** R12: the start EUROS set when closing the case, and the one it replaced. */
  regularizedStart?: {
    from: { date: string; index: number; source: StartSource };
    to: { date: string; index: number };
  };
}

export interface CaseTable {
  id: Generated<string>;
  type: CaseType;
  status: CaseStatus;
  entity: string;
  service_point_id: string;
  party_id: string | null;
  subscription_id: string | null;
  related_case_id: string | null;
  contest_id: string | null;
  move_in: Json<MoveInFacts> | null;
  regularization: Json<RegularizationFacts> | null;
  created_at: Timestamp;
  created_by: string;
  closed_at: Timestamp | null;
  closed_by: string | null;
}

export interface CaseCommentTable {
  id: Generated<number>;
  case_id: string;
  body: string;
  created_at: Timestamp;
  author: string;
  entity: string;
}

export type TaskKind = "AWAIT_PROOF" | "SUBSCRIBE_AT_PREDECESSOR" | "CHECK_TERMINATION";
export type TaskStatus = "OPEN" | "DONE" | "EXPIRED";
export interface TaskTable {
  id: Generated<string>;
  case_id: string;
  kind: TaskKind;
  due_date: DateOnly;
  due_at: Timestamp;
  status: TaskStatus;
  created_at: Timestamp;
  closed_at: Timestamp | null;
  closed_by: string | null;
}

export interface InterventionTable {
  id: Generated<string>;
  case_id: string;
  kind: "RECONNECTION";
  status: "PLANNED" | "DONE";
  reported_date: DateOnly | null;
  reported_index: number | null;
  reading_id: string | null;
  created_at: Timestamp;
  reported_at: Timestamp | null;
}

export type ReadingType =
  | "NORMAL"
  | "CUSTOMER"
  | "ESTIMATE"
  | "REMOTE"
  | "MOVE_OUT"
  | "MOVE_IN"
  | "INTERVENTION";
export type ReadingStatus = "VALID" | "SUSPECT" | "REPLACED";

export interface ReadingTable {
  id: Generated<string>;
  service_point_id: string;
  meter_id: number | null;
  reading_date: DateOnly;
  index_m3: number;
  type: ReadingType;
  status: Exclude<ReadingStatus, "REPLACED">;
  usage_m3: number | null;
  expected_usage_lo: number | null;
  expected_usage_hi: number | null;
  expected_index_lo: number | null;
  expected_index_hi: number | null;
  suggested_index: number | null;
  warnings: Generated<string[]>;
  replaces_id: string | null;
  reason: string | null;
  import_key: string | null;
  recorded_at: Timestamp;
  recorded_by: string;
  entity: string;
}

export interface ReadingStateView extends ReadingTable {
  effective_status: ReadingStatus;
}

export interface ReadingConfirmationTable {
  reading_id: string;
  reason: string;
  confirmed_at: Timestamp;
  confirmed_by: string;
  entity: string;
}

export type ProofKind = "SALE_DEED" | "NOTARY_CERTIFICATE" | "ENTRY_INVENTORY" | "METER_PHOTO";
export interface ProofTable {
  id: Generated<string>;
  case_id: string;
  kind: ProofKind;
  doc_date: DateOnly | null;
  doc_index: number | null;
  meter_serial: string | null;
  prescription_invoked: Generated<boolean>;
  status: "ACCEPTED" | "REFUSED" | "COMPLEMENT" | "LATE";
  refusal_code: string | null;
  refusal_reason: string | null;
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | null;
  sha256: string | null;
  content: Uint8Array | null;
  received_at: Timestamp;
  received_by: string;
  entity: string;
  /** 701_case_documents: the document attached at the counter this proof was made of (R19). */
  document_id: string | null;
}

/** 701_case_documents: a document handed in at the counter (R19), attached to its case. */
export interface CaseDocumentTable {
  id: Generated<string>;
  case_id: string;
  kind: ProofKind;
  received_on: DateOnly;
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | null;
  sha256: string | null;
  content: Uint8Array | null;
  attached_at: Timestamp;
  attached_by: string;
  entity: string;
  proof_id: string | null;
}

export interface ContestTable {
  id: Generated<string>;
  subscription_id: string;
  reason: string;
  status: "OPEN" | "ANSWERED" | "ESCALATED";
  answer: string | null;
  regularization_case_id: string | null;
  proof: Json<{ kind?: string; date: string | null; index: number | null }> | null;
  created_at: Timestamp;
  created_by: string;
  entity: string;
  answered_at: Timestamp | null;
}

export type Template =
  | "PROOF_REQUEST"
  | "CONFIRMATION_PREDECESSOR_INDEX"
  | "CONFIRMATION_PROOF"
  | "CONTEST_ANSWER"
  | "CONFIRMATION_DECLARED_INDEX"
  | "PROOF_REMINDER"
  | "CONFIRMATION_MUTATION";
export type Channel = "EMAIL" | "LETTER";
export type DeliveryStatus = "PENDING" | "SENDING" | "SENT" | "FAILED";

export interface CommunicationTable {
  id: Generated<string>;
  template: Template;
  channel: Channel;
  recipient_name: string;
  to_address: string;
  party_id: string | null;
  case_id: string | null;
  service_point_id: string | null;
  contest_id: string | null;
  payload: Json<Record<string, unknown>>;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_error: string | null;
  message_id: string | null;
  artifact_path: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  /** 200_communication_delivery: how the last attempt was delivered. */
  transport: "SMTP" | "FILE" | null;
  /** While SENDING: after this instant the claiming worker is presumed dead. */
  lease_until: Timestamp | null;
  /** Why a FAILED message failed: retries used up, or interrupted with an unknown outcome. */
  failure: "EXHAUSTED" | "INTERRUPTED" | null;
  /** Attempts made before the last advisor retry (the retry budget counts from there). */
  attempts_base: Generated<number>;
}

export interface CommunicationAttemptTable {
  communication_id: string;
  attempt: number;
  transport: "SMTP" | "FILE";
  worker: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  outcome: "SENT" | "RETRY" | "FAILED" | "INTERRUPTED" | "REQUEUED" | null;
  error: string | null;
}

/** 700_proof_reminders: the one R18 reminder of an AWAIT_PROOF task (the key forbids a second). */
export interface ProofReminderTable {
  task_id: string;
  case_id: string;
  communication_id: string | null;
  sent_at: Timestamp;
}

export interface IntermediateConsumptionTable {
  case_id: string;
  service_point_id: string;
  subscription_id: string;
  from_date: DateOnly;
  from_index: number;
  to_date: DateOnly;
  to_index: number;
  volume: number;
  created_at: Timestamp;
  /** Derived (migration 512): the case's entity, set by a trigger; writers leave it out. */
  entity: Generated<string>;
  /** R16: set when a corrected termination index puts the volume within tolerance (out of the report). */
  withdrawn_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actor: string;
  role: string;
  entity: string;
  action: string;
  object_type: string;
  object_id: string;
  details: Json<Record<string, unknown>> | null;
}

export interface IdempotencyKeyTable {
  key: string;
  actor: string;
  command: string;
  request_hash: string;
  response: Json<unknown>;
  created_at: Timestamp;
}

export type AccountRole = "FO" | "BO" | "EUROS" | "SUPERVISOR" | "ADMIN" | "INTEGRATION";
export interface AccountTable {
  id: Generated<number>;
  username: string;
  role: AccountRole;
  entity: string;
  password_hash: string | null;
  active: Generated<boolean>;
  created_at: Timestamp;
  /** 800: the password was set by someone else (created, reset): only « Mon mot de passe » until changed. */
  must_change_password: Generated<boolean>;
  /** 800: a demo or blocklisted password; null: set before 800, checked when the server starts exposed. */
  weak_password: boolean | null;
}

export interface SessionTable {
  token_hash: string;
  account_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface ApiTokenTable {
  id: Generated<number>;
  account_id: number;
  label: string;
  token_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  /** 800: refused from then on (null: never expires). */
  expires_at: Timestamp | null;
}

/** 600_integration: the event feed (SPEC §8); `position` is given at commit, in commit order. */
export interface EventTable {
  seq: Generated<number>;
  position: number | null;
  id: Generated<string>;
  type: string;
  payload: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
}

/** 600_integration: a webhook endpoint and the delivery state of its head event. */
export interface WebhookEndpointTable {
  id: Generated<string>;
  url: string;
  description: string | null;
  secret: string;
  active: Generated<boolean>;
  delivered_position: Generated<number>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  leased_by: string | null;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: Timestamp | null;
  last_success_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string;
  disabled_at: Timestamp | null;
  disabled_by: string | null;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  endpoint_id: string;
  event_position: number;
  event_id: string;
  attempt: number;
  worker: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  outcome: "DELIVERED" | "FAILED" | "INTERRUPTED" | null;
  status_code: number | null;
  error: string | null;
}

/** One finished readings import and its counts (migration 400; read by the metrics). */
export interface ImportRunTable {
  id: Generated<number>;
  finished_at: Timestamp;
  source: string;
  actor: string;
  lines: number;
  inserted: number;
  already_present: number;
  rejected: number;
  seconds: number;
}

export interface DB {
  service_points: ServicePointTable;
  service_point_facts: ServicePointFactsTable;
  meters: MeterTable;
  parties: PartyTable;
  subscriptions: SubscriptionTable;
  cases: CaseTable;
  case_comments: CaseCommentTable;
  tasks: TaskTable;
  interventions: InterventionTable;
  readings: ReadingTable;
  reading_states: ReadingStateView;
  reading_confirmations: ReadingConfirmationTable;
  proofs: ProofTable;
  case_documents: CaseDocumentTable;
  contests: ContestTable;
  communications: CommunicationTable;
  intermediate_consumptions: IntermediateConsumptionTable;
  proof_reminders: ProofReminderTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeyTable;
  accounts: AccountTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  communication_attempts: CommunicationAttemptTable;
  events: EventTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_attempts: WebhookAttemptTable;
  import_runs: ImportRunTable;
}
