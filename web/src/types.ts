/**
 * The shapes the console reads from the API: the server's zod output schemas (src/http/api-shapes.ts) are
 * their only declaration; this module re-exports their types (types only: the bundle takes nothing from the
 * server). Below, the console's own shapes.
 */
export type {
  AccountRow,
  ApiToken,
  CaseDocument,
  CaseList,
  CaseListItem,
  CasesByEntity,
  CaseView,
  CommandResult,
  Contest,
  IntermediateConsumption,
  Message,
  MoveInCheck,
  MoveInPath,
  NewCustomers,
  Plausibility,
  ProofCheck,
  Reading,
  ReadingCheck,
  ReportsFreshness,
  SearchResult,
  ServicePointView,
  Subscription,
  WebhookAttempt,
  WebhookEndpoint,
} from "../../src/http/api-shapes.ts";

/** A page of a list (GET /api/cases, /api/contests, /api/outbox). */
export interface Page<T> {
  total: number;
  items: T[];
}
