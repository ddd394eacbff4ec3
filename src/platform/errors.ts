/**
 * The one list of error codes. Each is raised as an EcartError carrying a French message
 * for people and an English one for logs; HTTP statuses are mapped here and only here.
 */
export const ErrorCode = {
  /** A field is missing, of the wrong type or out of its allowed values. */
  INVALID_INPUT: "INVALID_INPUT",
  /** An index is not a whole, non-negative number of m3 (a decimal, a negative, another unit). */
  INDEX_NOT_M3: "INDEX_NOT_M3",
  /** The service point named does not exist. */
  UNKNOWN_SERVICE_POINT: "UNKNOWN_SERVICE_POINT",
  /** A case, subscription, reading, contest or communication named does not exist. */
  UNKNOWN_REFERENCE: "UNKNOWN_REFERENCE",
  /** A move-in at a service point whose current subscription has not ended (SPEC §6). */
  PREDECESSOR_NOT_TERMINATED: "PREDECESSOR_NOT_TERMINATED",
  /** A move-in, move-out, reading or proof dated after the day of processing. */
  DATE_IN_FUTURE: "DATE_IN_FUTURE",
  /** A move-in or proof dated before the predecessor's termination. */
  DATE_BEFORE_TERMINATION: "DATE_BEFORE_TERMINATION",
  /** A proof whose meter serial is not the service point's meter (R7). */
  METER_SERIAL_MISMATCH: "METER_SERIAL_MISMATCH",
  /** A move-out or mutation (R17) of a subscription that has already ended. */
  SUBSCRIPTION_ENDED: "SUBSCRIPTION_ENDED",
  /** A move-out or mutation (R17) dated before the subscription's start. */
  DATE_BEFORE_START: "DATE_BEFORE_START",
  /** A command on a closed case other than a late proof (R12). */
  CASE_CLOSED: "CASE_CLOSED",
  /** The role may not run this command (R14). */
  FORBIDDEN: "FORBIDDEN",
  /** No valid session or token (HTTP only). */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The command lost a race with another one on the same object; retry reads the new state. */
  CONFLICT: "CONFLICT",
  /** An idempotency key was reused with a different request body. */
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  /** A request body or upload is larger than allowed. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** An upload of a type that is not accepted. */
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  /** Too many attempts in a short time (login per address or account, password changes). */
  RATE_LIMITED: "RATE_LIMITED",
  /** The server is saturated (password hashing at its bound): retry in a few seconds. */
  BUSY: "BUSY",
  /** An unexpected fault; details go to the log, never to the client. */
  INTERNAL: "INTERNAL",
  /** No such API route or resource path (HTTP only). */
  NOT_FOUND: "NOT_FOUND",
  /** A cookie-authenticated write without the anti-CSRF header `X-Requested-With: ecart` (HTTP only). */
  CSRF_REJECTED: "CSRF_REJECTED",
  /**
   * SPEC §8: reference data that would rewrite a fact decisions were taken on (a subscription's start or
   * end, a meter's serial, installation or removal); a correction goes through correctReading.
   */
  FACT_ALREADY_DECIDED: "FACT_ALREADY_DECIDED",
  /** An embedded data folder already open in another process (start-up of a command, never an API answer). */
  DATA_FOLDER_IN_USE: "DATA_FOLDER_IN_USE",
  /** A session of an account whose password was set by someone else: only « Mon mot de passe » until changed. */
  PASSWORD_CHANGE_REQUIRED: "PASSWORD_CHANGE_REQUIRED",
  /** A PDF that carries JavaScript or an automatic action (`/JavaScript`, `/JS`, `/OpenAction`, `/AA`, `/Launch`). */
  PDF_ACTIVE_CONTENT: "PDF_ACTIVE_CONTENT",
  /** A case already holds as many stored documents as allowed (MAX_DOCUMENTS_PER_CASE). */
  TOO_MANY_DOCUMENTS: "TOO_MANY_DOCUMENTS",
  // State refusals: the request is well formed, the object's state forbids it (409).
  /** A move-in case's command (proof, no proof, counter document) on an INT_EUROS case. */
  NOT_A_MOVE_IN_CASE: "NOT_A_MOVE_IN_CASE",
  /** A move-in case whose newcomer is already subscribed: nothing left to subscribe. */
  ALREADY_SUBSCRIBED: "ALREADY_SUBSCRIBED",
  /** A start at the predecessor's index where none is known (no termination, no reference reading). */
  TERMINATION_UNKNOWN: "TERMINATION_UNKNOWN",
  /** An intervention report (R6) on a case without a planned visit. */
  NO_INTERVENTION: "NO_INTERVENTION",
  /** A confirmation of a reading that is not SUSPECT: nothing to confirm. */
  READING_NOT_SUSPECT: "READING_NOT_SUSPECT",
  /** A correction of a reading already corrected: the one that replaces it is corrected instead. */
  READING_ALREADY_REPLACED: "READING_ALREADY_REPLACED",
  /** A counter document already used for a proof (R19: processed once). */
  DOCUMENT_ALREADY_USED: "DOCUMENT_ALREADY_USED",
  /** An answer to a contest already answered (R11). */
  CONTEST_ALREADY_ANSWERED: "CONTEST_ALREADY_ANSWERED",
  /** A contest said to persist before it was answered (R11: the advisor explains first). */
  CONTEST_NOT_ANSWERED: "CONTEST_NOT_ANSWERED",
  /** A retry of a message that is not FAILED. */
  MESSAGE_NOT_FAILED: "MESSAGE_NOT_FAILED",
  /** An administrator disabling their own account. */
  OWN_ACCOUNT: "OWN_ACCOUNT",
  // A row of a readings import file refused on its own (docs/readings-import.md: the rejects file).
  /** A CSV line that cannot be read (an unclosed or misplaced quote): skipped. */
  MALFORMED: "MALFORMED",
  /** A row without the five columns service_point, meter, date, index, type. */
  COLUMNS: "COLUMNS",
  /** A row without a service point. */
  SERVICE_POINT_MISSING: "SERVICE_POINT_MISSING",
  /** A date that is neither YYYY-MM-DD nor DD/MM/YYYY, or not a real day. */
  INVALID_DATE: "INVALID_DATE",
  /** A reading type that is not one an import may enter. */
  INVALID_TYPE: "INVALID_TYPE",
  /** A meter serial that is not one of the service point's meters. */
  UNKNOWN_METER: "UNKNOWN_METER",
  /** A reading dated before the meter's last known reading: readings are imported in date order. */
  OUT_OF_ORDER: "OUT_OF_ORDER",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status of each code: the single mapping used by the API. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  INDEX_NOT_M3: 400,
  UNKNOWN_SERVICE_POINT: 404,
  UNKNOWN_REFERENCE: 404,
  PREDECESSOR_NOT_TERMINATED: 409,
  DATE_IN_FUTURE: 422,
  DATE_BEFORE_TERMINATION: 422,
  METER_SERIAL_MISMATCH: 422,
  SUBSCRIPTION_ENDED: 409,
  DATE_BEFORE_START: 422,
  CASE_CLOSED: 409,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  BUSY: 503,
  INTERNAL: 500,
  NOT_FOUND: 404,
  CSRF_REJECTED: 403,
  FACT_ALREADY_DECIDED: 409,
  DATA_FOLDER_IN_USE: 503,
  PASSWORD_CHANGE_REQUIRED: 403,
  PDF_ACTIVE_CONTENT: 415,
  TOO_MANY_DOCUMENTS: 409,
  NOT_A_MOVE_IN_CASE: 409,
  ALREADY_SUBSCRIBED: 409,
  TERMINATION_UNKNOWN: 409,
  NO_INTERVENTION: 409,
  READING_NOT_SUSPECT: 409,
  READING_ALREADY_REPLACED: 409,
  DOCUMENT_ALREADY_USED: 409,
  CONTEST_ALREADY_ANSWERED: 409,
  CONTEST_NOT_ANSWERED: 409,
  MESSAGE_NOT_FAILED: 409,
  OWN_ACCOUNT: 409,
  MALFORMED: 400,
  COLUMNS: 400,
  SERVICE_POINT_MISSING: 400,
  INVALID_DATE: 400,
  INVALID_TYPE: 400,
  UNKNOWN_METER: 404,
  OUT_OF_ORDER: 409,
};

export class EcartError extends Error {
  readonly code: ErrorCode;
  /** The message shown to people, in French. */
  readonly messageFr: string;
  /** The input field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, messageFr: string, messageEn: string, field?: string) {
    super(messageEn);
    this.name = "EcartError";
    this.code = code;
    this.messageFr = messageFr;
    this.field = field;
  }

  toJSON() {
    return { code: this.code, message: this.messageFr, field: this.field };
  }
}

/** Throws the refusal; a function declaration returning `never`, so TypeScript narrows after a call. */
export function fail(code: ErrorCode, fr: string, en: string, field?: string): never {
  throw new EcartError(code, fr, en, field);
}

export const isEcartError = (e: unknown): e is EcartError => e instanceof EcartError;

/** Postgres unique/exclusion violations and serialization failures mean "lost a race". */
export function asConflict(e: unknown): EcartError | undefined {
  const code = (e as { code?: string } | null)?.code;
  if (code === "23505" || code === "23P01" || code === "40001" || code === "40P01") {
    return new EcartError(
      ErrorCode.CONFLICT,
      "Une autre opération vient de modifier ce dossier : rechargez et recommencez.",
      `concurrent change (${code}): ${(e as Error).message}`,
    );
  }
  return undefined;
}
