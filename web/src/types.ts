/**
 * The shapes the console reads from the API: the server's zod output schemas (src/http/api-shapes.ts) are
 * their only declaration; this module re-exports their types (types only: the bundle takes nothing from the
 * server). Below, the console's own shapes.
 */
export type {
  AccountRow,
  CaseDocument,
  CaseListItem,
  CaseView,
  CommandResult,
  Contest,
  Message,
  MoveInCheck,
  MoveInPath,
  Plausibility,
  ProofCheck,
  Reading,
  ReadingCheck,
  SearchResult,
  ServicePointView,
  Subscription,
} from "../../src/http/api-shapes.ts";

/** A page of a list (GET /api/cases, /api/contests, /api/outbox, the reports). */
export interface Page<T> {
  total: number;
  items: T[];
}
